/** What the runner needs to know of a job from Slurm: still in the queue, ended, or gone. */
export type JobPhase = "queued" | "running" | "ended" | "gone";

/** squeue / scontrol states of a job that has not ended (a requeued job is pending again). */
const QUEUED = new Set(["PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD", "SPECIAL_EXIT", "CONFIGURING", "SUSPENDED", "STOPPED", "RESIZING", "SIGNALING"]);
const RUNNING = new Set(["RUNNING", "COMPLETING", "STAGE_OUT"]);

/** The phase of a Slurm job state (`RUNNING`, `CANCELLED by 0`, `COMPLETED`…). */
export function phaseOf(state: string): JobPhase {
  const s = state.trim().split(/\s+/)[0]?.toUpperCase() ?? "";
  if (RUNNING.has(s)) return "running";
  if (QUEUED.has(s)) return "queued";
  return s ? "ended" : "gone";
}

/**
 * Parses `squeue --noheader --format=%i|%T|%j` into job id → state. Array tasks are listed as
 * `123_4` (and pending ones as `123_[0-3]`, expanded here).
 */
export function parseSqueue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (!id || !state) continue;
    const range = /^(\d+)_\[(.+)\]$/.exec(id);
    if (!range) {
      out.set(id, state);
      continue;
    }
    for (const part of (range[2] as string).split(",")) {
      const [a, b] = part.split("%")[0]?.split("-").map(Number) ?? [];
      if (a === undefined || Number.isNaN(a)) continue;
      for (let k = a; k <= (b ?? a); k++) out.set(`${range[1]}_${k}`, state);
    }
  }
  return out;
}

/**
 * The nodes that `squeue --noheader --format=%i|%j|%k` shows queued or running, by key prefix
 * (16 hex digits): the job's comment (`mammo-keys:<k0>,<k1>,…`) lists them in array-index order.
 * A single job is `123`; array task i is `123_i` (pending ones listed as `123_[0-3]`).
 */
export function parseQueuedKeys(text: string): Map<string, { id: string; name: string }> {
  const out = new Map<string, { id: string; name: string }>();
  for (const line of text.split("\n")) {
    const [id, name, comment] = line.trim().split("|");
    if (!id || !name || !comment?.startsWith("mammo-keys:")) continue;
    const keys = comment.slice("mammo-keys:".length).split(",");
    if (!id.includes("_")) {
      if (keys.length === 1) out.set(keys[0] as string, { id, name });
      continue;
    }
    for (const task of parseSqueue(`${id}|x`).keys()) {
      const key = keys[Number(task.split("_")[1])];
      if (key) out.set(key, { id: task, name });
    }
  }
  return out;
}

/** The id `sbatch --parsable` prints (`123` or `123;cluster`). */
export function parseSbatch(text: string): string {
  const id = text.trim().split("\n").at(-1)?.split(";")[0]?.trim() ?? "";
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(text.trim())}`);
  return id;
}

/** `JobState`, `Reason`, `ExitCode` and `Restarts` of `scontrol show job <id>` (`key=value` words). */
export function parseScontrolJob(text: string): { state?: string; reason?: string; exitCode?: string; restarts?: number } {
  const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(text)?.[1];
  const restarts = field("Restarts");
  return { state: field("JobState"), reason: field("Reason"), exitCode: field("ExitCode"), restarts: restarts === undefined ? undefined : Number(restarts) };
}
