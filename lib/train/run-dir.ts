import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "../errors/index.ts";
import { describeHolder, foreignHolderHint, isHeld, tryLock, type FileLock } from "../runs/lock.ts";
import { checkpointPath } from "./checkpoint.ts";

/** The lock file of a run directory while a process trains in it. */
export const RUN_LOCK_FILE = ".train.lock";

/**
 * Holds run directory `dir` for this process's training. Another live process training it
 * (three `train --resume` on one directory at once) is refused at once, exit 2, naming its pid:
 * waiting would only resume a run the other process is finishing. A holder that died (kill -9)
 * is taken over.
 */
export function lockRunDir(dir: string, now: Date): FileLock {
  const path = join(dir, RUN_LOCK_FILE);
  const result = tryLock(path, `training ${dir}`, now);
  if (isHeld(result)) return result;
  throw usageError("run_locked", `run directory ${dir} is being trained by ${describeHolder(result)} (lock file ${path}); wait for it to finish or stop it${foreignHolderHint(path, result)}`);
}

/**
 * The run directory of this invocation:
 * - `--resume`: `--run-dir`, else the newest `results[_n]` under `--outdir` holding a checkpoint;
 *   `fresh` is true when `--run-dir` has no checkpoint yet (the run died in its first epoch), so
 *   it starts from epoch 1;
 * - `--run-dir`: that directory, which must not already hold a run;
 * - otherwise a new `results[_n]` under `--outdir` (`allocate`).
 */
export function resolveRunDir(params: { outdir: string; runDir?: string; resume: boolean }, allocate: (outdir: string) => string): { dir: string; fresh: boolean } {
  if (params.resume) {
    if (params.runDir) {
      mkdirSync(params.runDir, { recursive: true });
      return { dir: params.runDir, fresh: !existsSync(checkpointPath(params.runDir)) };
    }
    const latest = newestRunWithCheckpoint(params.outdir);
    if (!latest) throw usageError("no_checkpoint", `--resume: no results* directory with a checkpoint under --outdir ${params.outdir}`);
    return { dir: latest, fresh: false };
  }
  if (params.runDir) {
    if (existsSync(checkpointPath(params.runDir))) throw usageError("run_exists", `--run-dir ${params.runDir} already holds a run (add --resume to continue it)`);
    mkdirSync(params.runDir, { recursive: true });
    return { dir: params.runDir, fresh: true };
  }
  return { dir: allocate(params.outdir), fresh: true };
}

/** `results`, `results_1`, … under `outdir`: the highest-numbered one with a checkpoint. */
export function newestRunWithCheckpoint(outdir: string): string | null {
  if (!existsSync(outdir)) return null;
  const runs = readdirSync(outdir)
    .map((name) => ({ name, n: /^results(?:_(\d+))?$/.exec(name) }))
    .filter((r): r is { name: string; n: RegExpExecArray } => r.n !== null)
    .map((r) => ({ dir: join(outdir, r.name), index: r.n[1] === undefined ? 0 : Number(r.n[1]) }))
    .filter((r) => existsSync(checkpointPath(r.dir)))
    .sort((a, b) => b.index - a.index);
  return runs[0]?.dir ?? null;
}
