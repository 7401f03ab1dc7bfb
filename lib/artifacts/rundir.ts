import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TaskError } from "../errors/index.ts";

/**
 * Creates and returns the first free run directory under `outdir`: `results`, then `results_1`,
 * `results_2`, … `mkdir` without `recursive` fails when the name exists, so two processes racing
 * for the same name cannot both win: the loser moves on to the next name.
 */
export function allocateRunDir(outdir: string, base = "results"): string {
  mkdirSync(outdir, { recursive: true });
  for (let i = 0; i < 100_000; i++) {
    const dir = join(outdir, i === 0 ? base : `${base}_${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new TaskError("no_run_dir", `no free run directory under ${outdir}`);
}
