import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../artifacts/index.ts";
import { childEnv, forgetChild, recordChild } from "../runs/orphans.ts";

/** Key of the objective in a `ray_<name>.jsonl` line (upstream names `val_acc` for accuracy). */
export function rayKey(objective: string): string {
  return objective === "accuracy" ? "val_acc" : objective;
}

/** Per-epoch objective values written so far to a ray jsonl file (epoch → value). */
export function readIntermediate(file: string, objective: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as Record<string, unknown>;
      const v = row[rayKey(objective)];
      if (typeof row.epoch === "number" && typeof v === "number") out.set(row.epoch, v);
    } catch {
      // a line being written right now; read again at the next poll
    }
  }
  return out;
}

export interface TrialProcessResult {
  exitCode: number;
  pruned: boolean;
  /** Epoch at which it was pruned. */
  prunedAt: number | null;
}

/** Where a trial's running `train` process is recorded (beside its event file), for `stopOrphan`. */
export function trialProcessRecord(eventFile: string): string {
  return `${eventFile}.pid`;
}

/** A started trial: its exit code once it ends, and how to stop it early (pruning). */
export interface TrialHandle {
  exited: Promise<number>;
  stop(): void;
}

/** One trial to start: `cli/main.ts train --event <eventFile>`, its output to `logFile` and `<logFile>.err`. */
export interface TrialStart {
  /** `trial_0003`, or `trial_0003_seed_43` for a promoted run. */
  name: string;
  params: Record<string, unknown>;
  eventFile: string;
  logFile: string;
}

/**
 * Where trials run: child processes (`localTrialLauncher`) or Slurm jobs (`slurmTrialLauncher`).
 * A trial reports only through its run directory, never to the study database.
 */
export interface TrialLauncher {
  /** Stops what an interrupted study of this output directory left running, before its trials are remade. */
  stopLeftovers(): Promise<void>;
  /** Starts trials that are ready together (on Slurm: one array job); a handle per trial, in order. Their event files are written. */
  start(trials: readonly TrialStart[]): TrialHandle[];
}

/**
 * Trials as child processes of the study, each recorded at `trialProcessRecord` (a study killed
 * with one running leaves an orphan, which the study that resumes stops trial by trial, so
 * `stopLeftovers` has nothing to do); pruning stops one with SIGTERM.
 */
export function localTrialLauncher(root: string): TrialLauncher {
  return {
    stopLeftovers: async () => {},
    start: (trials) =>
      trials.map(({ params, eventFile, logFile }) => {
        writeJsonAtomic(eventFile, params);
        const proc = Bun.spawn([process.execPath, join(root, "cli", "main.ts"), "train", "--event", eventFile, "--quiet"], {
          stdout: Bun.file(logFile),
          stderr: Bun.file(`${logFile}.err`),
          env: childEnv(),
        });
        recordChild(trialProcessRecord(eventFile), proc.pid);
        return { exited: proc.exited.finally(() => forgetChild(trialProcessRecord(eventFile))), stop: () => proc.kill("SIGTERM") };
      }),
  };
}

/**
 * Watches a started trial's per-epoch jsonl until it ends. `onEpoch` sees every epoch once (to
 * record it) and says whether to prune; a pruned trial is stopped.
 */
export async function watchTrial(trial: TrialHandle, options: {
  jsonl: string;
  objective: string;
  onEpoch: (epoch: number, value: number) => boolean;
  pollMs?: number;
}): Promise<TrialProcessResult> {
  const seen = new Set<number>();
  let pruned = false;
  let prunedAt: number | null = null;
  let done = false;
  const exited = trial.exited.then((code) => {
    done = true;
    return code;
  });
  while (!done) {
    await Promise.race([exited, Bun.sleep(options.pollMs ?? 250)]);
    for (const [epoch, value] of [...readIntermediate(options.jsonl, options.objective)].sort((a, b) => a[0] - b[0])) {
      if (seen.has(epoch)) continue;
      seen.add(epoch);
      const prune = options.onEpoch(epoch, value);
      if (prune && !pruned && !done) {
        pruned = true;
        prunedAt = epoch;
        trial.stop();
      }
    }
  }
  return { exitCode: await exited, pruned, prunedAt };
}
