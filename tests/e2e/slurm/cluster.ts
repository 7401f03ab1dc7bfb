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
  const r = Bun.spawnSync(["scancel", ...args], { stderr: "pipe", env: { ...process.env } });
  if (r.exitCode !== 0) throw new Error(`scancel ${args.join(" ")} failed: ${r.stderr.toString()}`);
}
