import { existsSync } from "node:fs";
import { z } from "zod";
import { readJson, sha256File, writeJsonAtomic } from "../../artifacts/index.ts";
import { errorMessage } from "../../errors/index.ts";
import type { KeyComponents } from "../cache.ts";
import { writeRecord } from "../cache.ts";

const finishSchema = z.object({
  record: z.string(),
  key: z.string(),
  components: z.record(z.string(), z.unknown()),
  outputs: z.array(z.string()),
});
/** What a job needs to write its node's cache record: where, the key and its parts, the output files to hash. */
export type FinishSpec = z.infer<typeof finishSchema>;

export function writeFinishSpec(path: string, spec: FinishSpec): void {
  writeJsonAtomic(path, spec);
}

/**
 * Run by the job after its task succeeded: hashes the node's outputs and writes the cache record
 * atomically, on the shared file system. The record is the truth the runner polls for; a job that
 * ends without one failed, whatever Slurm says.
 */
export function finishJob(specPath: string, now: Date): void {
  const spec = readJson(specPath, finishSchema, "slurm finish spec");
  const missing = spec.outputs.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`the task finished without writing ${missing.join(", ")}`);
  const outputs = Object.fromEntries(spec.outputs.map((p) => [p, sha256File(p)]));
  writeRecord(spec.record, { key: spec.key, components: spec.components as unknown as KeyComponents, outputs, finishedAt: now.toISOString() });
}

// The job script's last step: `bun lib/pipeline/slurm/finish.ts <spec.json>`.
if (import.meta.main) {
  try {
    finishJob(process.argv[2] ?? "", new Date());
  } catch (err) {
    process.stderr.write(`error: writing the cache record: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}
