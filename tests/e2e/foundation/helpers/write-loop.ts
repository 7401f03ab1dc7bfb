// Child process for the atomicity test: rewrites one file forever with alternating large payloads.
import { writeFileAtomic } from "../../../../lib/artifacts/index.ts";

const path = process.argv[2] as string;
const size = 4 << 20;
const payloads = ["a", "b"].map((c) => JSON.stringify({ fill: c.repeat(size) }));
process.stdout.write("ready\n");
for (let i = 0; ; i++) writeFileAtomic(path, payloads[i % 2] as string);
