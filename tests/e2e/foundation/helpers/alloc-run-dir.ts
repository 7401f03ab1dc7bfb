// Child process for the run-directory race: waits until a shared start time, then allocates.
import { allocateRunDir } from "../../../../lib/artifacts/index.ts";

const [outdir, startAt] = [process.argv[2] as string, Number(process.argv[3])];
while (Date.now() < startAt) {
  // spin so that every process calls mkdir at the same moment
}
process.stdout.write(`${allocateRunDir(outdir)}\n`);
