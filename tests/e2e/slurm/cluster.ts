import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const SCRIPT = resolve(import.meta.dir, "..", "..", "..", "ops", "slurm", "local-cluster.sh");

/** Starts the one-node cluster of `ops/slurm/local-cluster.sh` in `dir`; returns its SLURM_CONF. */
export function startCluster(dir: string): string {
  const r = Bun.spawnSync([SCRIPT, "start", dir], { stdout: "pipe", stderr: "pipe" });
  const line = r.stdout.toString().trim();
  const conf = /^export SLURM_CONF=(.+)$/.exec(line)?.[1];
  if (r.exitCode !== 0 || !conf) throw new Error(`local-cluster.sh start ${dir} failed (exit ${r.exitCode}): ${line} ${r.stderr.toString()}`);
  return conf;
}

export function stopCluster(dir: string): void {
  const r = Bun.spawnSync([SCRIPT, "stop", dir], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`local-cluster.sh stop ${dir} failed (exit ${r.exitCode}): ${r.stderr.toString()}`);
}

/** `squeue` lines (`id|state|name`) of every job the cluster still lists. */
export function queue(): string[] {
  const r = Bun.spawnSync(["squeue", "--noheader", "--states=all", "--format=%i|%T|%j"], { stdout: "pipe", env: { ...process.env } });
  return r.stdout.toString().trim().split("\n").filter(Boolean);
}

/** `scancel` with `args` (the cluster's SLURM_CONF from this process's environment). */
export function scancel(...args: string[]): void {
  slurmAdmin("scancel", args);
}

/** `scontrol` with `args` (`suspend 123`), as `scancel`. */
export function scontrol(...args: string[]): void {
  slurmAdmin("scontrol", args);
}

function slurmAdmin(command: string, args: string[]): void {
  const r = Bun.spawnSync([command, ...args], { stderr: "pipe", env: { ...process.env } });
  if (r.exitCode !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr.toString()}`);
}

/** The Slurm jobs (`123`, or `123_4` for an array task) that ran something, from the line each writes first to its `.log.err`. */
export function jobsInLog(errLog: string): string[] {
  if (!existsSync(errLog)) return [];
  return [...new Set([...readFileSync(errLog, "utf8").matchAll(/^slurm job (\S+) \(restart \d+\) on /gm)].map((m) => m[1] as string))];
}

/** Waits (polling every 100 ms) until `ok()`, failing after `ms` with what it waited for. */
export async function until(what: string, ok: () => boolean, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}
