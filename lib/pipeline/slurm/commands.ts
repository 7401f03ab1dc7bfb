import { TaskError } from "../../errors/index.ts";

/** Runs a Slurm command; resolves with its exit code and output (never throws for a non-zero exit). */
export async function slurmCommand(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let proc;
  try {
    // The current environment (SLURM_CONF may have been set after start; Bun's default is the initial one).
    proc = Bun.spawn([...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env } });
  } catch (err) {
    throw new TaskError("slurm_missing", `cannot run ${args[0]}: ${(err as Error).message} (is Slurm's client installed and on PATH?)`, { exitCode: 2 });
  }
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Like `slurmCommand`, but a non-zero exit is an error naming the command and what it printed. */
export async function slurmCommandOk(args: readonly string[]): Promise<string> {
  const r = await slurmCommand(args);
  if (r.code !== 0) throw new TaskError("slurm_command_failed", `${args.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
