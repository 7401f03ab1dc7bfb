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

/**
 * Runs one trial as a `train` child process and watches its per-epoch jsonl. `onEpoch` sees every
 * epoch once (to record it) and says whether to prune; a pruned trial's process is stopped (SIGTERM).
 */
export async function runTrialProcess(options: {
  root: string;
  params: Record<string, unknown>;
  eventFile: string;
  logFile: string;
  jsonl: string;
  objective: string;
  onEpoch: (epoch: number, value: number) => boolean;
  pollMs?: number;
}): Promise<TrialProcessResult> {
  writeJsonAtomic(options.eventFile, options.params);
  const proc = Bun.spawn([process.execPath, join(options.root, "cli", "main.ts"), "train", "--event", options.eventFile, "--quiet"], {
    stdout: Bun.file(options.logFile),
    stderr: Bun.file(`${options.logFile}.err`),
    env: childEnv(),
  });
  recordChild(trialProcessRecord(options.eventFile), proc.pid);
  const seen = new Set<number>();
  let pruned = false;
  let prunedAt: number | null = null;
  let done = false;
  const exited = proc.exited.then((code) => {
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
        proc.kill("SIGTERM");
      }
    }
  }
  forgetChild(trialProcessRecord(options.eventFile));
  return { exitCode: await exited, pruned, prunedAt };
}
