import type { Logger } from "../../log/index.ts";
import { slurmCommand } from "./commands.ts";
import { parseScontrolJob, parseSqueue, phaseOf, type JobPhase } from "./status.ts";

/** How a watched job ended: its node's cache record appeared, or the job left the queue without one. */
export type JobEnd = { done: true } | { done: false; detail: string };

interface Watch {
  id: string;
  name: string;
  /** Whether the job's result is there (a node's cache record with its key, a trial's exit file). */
  done: () => boolean;
  phase: JobPhase;
  /** Consecutive polls that found the job ended or gone and no record (two are needed: the file system may lag). */
  missed: number;
  resolve(end: JobEnd): void;
}

/** Job counts as the runner shows them. */
export interface JobCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/**
 * Watches submitted jobs with one `squeue` call per poll for all of them (never one per job), and
 * their results on the shared file system, which are the truth: a node's cache record with its
 * key means done, whatever Slurm says; a job that left the queue without its result failed. Polls back off from `minMs` to
 * `maxMs` while nothing changes. `sacct` is asked about a failed job only if it answers.
 */
export class JobPoller {
  private readonly watches = new Map<string, Watch>();
  private interval: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sacct: boolean | undefined;
  private squeueDown = false;
  readonly counts: JobCounts = { queued: 0, running: 0, done: 0, failed: 0 };

  constructor(private readonly options: { minMs: number; maxMs: number; log: Logger; onChange?: (counts: JobCounts) => void }) {
    this.interval = options.minMs;
  }

  /** Resolves when job `id` (named `name`) is `done`, or ended without being done. */
  wait(id: string, name: string, done: () => boolean): Promise<JobEnd> {
    return new Promise((resolve) => {
      this.watches.set(id, { id, name, done, phase: "queued", missed: 0, resolve });
      this.interval = this.options.minMs;
      this.schedule(true);
    });
  }

  private schedule(soon = false): void {
    if (this.timer) {
      if (!soon) return;
      clearTimeout(this.timer);
    }
    if (!this.watches.size) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(() => void this.poll(), soon ? this.options.minMs : this.interval);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    const states = await this.queueStates();
    let changed = false;
    for (const w of [...this.watches.values()]) {
      const state = states?.get(w.id);
      if (w.done()) {
        this.finish(w, { done: true });
        changed = true;
        continue;
      }
      if (!states) continue; // squeue did not answer: nothing is known about running vs gone
      const phase = state === undefined ? "gone" : phaseOf(state);
      if (phase === "ended" || phase === "gone") {
        if (++w.missed >= 2) {
          this.finish(w, { done: false, detail: await this.describeEnd(w.id, state) });
          changed = true;
        }
        continue;
      }
      w.missed = 0;
      if (phase !== w.phase) changed = true;
      w.phase = phase;
    }
    if (changed) this.report();
    this.interval = changed ? this.options.minMs : Math.min(this.options.maxMs, Math.round(this.interval * 1.5));
    this.schedule();
  }

  private finish(w: Watch, end: JobEnd): void {
    this.watches.delete(w.id);
    if (end.done) this.counts.done++;
    else this.counts.failed++;
    w.resolve(end);
  }

  private report(): void {
    const phases = [...this.watches.values()].map((w) => w.phase);
    this.counts.queued = phases.filter((p) => p === "queued").length;
    this.counts.running = phases.filter((p) => p === "running").length;
    this.options.onChange?.({ ...this.counts });
  }

  /** The states of the watched jobs (by id, array tasks as `123_4`), or undefined when squeue fails. */
  private async queueStates(): Promise<Map<string, string> | undefined> {
    const names = [...new Set([...this.watches.values()].map((w) => w.name))];
    const r = await slurmCommand(["squeue", "--noheader", "--states=all", "--format=%i|%T|%j", `--name=${names.join(",")}`]);
    if (r.code !== 0) {
      if (!this.squeueDown) this.options.log.warn(`squeue failed (${r.stderr.trim() || `exit ${r.code}`}); still waiting, polling less often`);
      this.squeueDown = true;
      return undefined;
    }
    this.squeueDown = false;
    return parseSqueue(r.stdout);
  }

  /** What Slurm still says about a job that ended: scontrol while it remembers it, sacct when accounting answers. */
  private async describeEnd(id: string, state: string | undefined): Promise<string> {
    const shown = await slurmCommand(["scontrol", "show", "job", id]);
    const job = shown.code === 0 ? parseScontrolJob(shown.stdout) : {};
    if (job.state) return `${job.state} (exit ${job.exitCode ?? "?"}, reason ${job.reason ?? "?"})`;
    if (this.sacct !== false) {
      const acct = await slurmCommand(["sacct", "--noheader", "--parsable2", "--allocations", `--jobs=${id}`, "--format=State,ExitCode"]);
      this.sacct = acct.code === 0;
      const line = acct.stdout.trim().split("\n")[0];
      if (this.sacct && line) return `${line.replace("|", " (exit ")})`;
    }
    return state ? state : "no longer known to Slurm";
  }
}
