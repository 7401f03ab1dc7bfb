import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { sha256 } from "../../artifacts/index.ts";
import { errorMessage } from "../../errors/index.ts";
import type { TrialLauncher } from "../../hpo/trial-process.ts";
import type { Logger } from "../../log/index.ts";
import { shellWord } from "../../task/command.ts";
import { slurmCommand, slurmCommandOk } from "./commands.ts";
import { JobPoller } from "./poller.ts";
import { parseSbatch } from "./status.ts";

/**
 * HPO trials as Slurm jobs. The job runs `train --event <file>` and writes its exit status to
 * `<log>.exit` on the shared file system; the study process (the only writer of the study
 * database) reads the trial's per-epoch jsonl from its run directory for pruning, as with local
 * trials, and a pruned trial is `scancel`led. `sbatch` options (resources) come from `sbatch`.
 */
export function slurmTrialLauncher(options: { sbatch: readonly string[]; log: Logger; pollMs?: { min: number; max: number } }): TrialLauncher {
  const poll = options.pollMs ?? { min: 1000, max: 15_000 };
  const poller = new JobPoller({ minMs: poll.min, maxMs: poll.max, log: options.log });
  return ({ root, eventFile, logFile }) => {
    const exitFile = `${logFile}.exit`;
    const name = `mammo-trial-${sha256(resolve(eventFile)).slice(0, 12)}`;
    let id: string | undefined;
    let stopped = false;
    const exited = (async () => {
      rmSync(exitFile, { force: true });
      const script = `${eventFile}.sh`;
      writeFileSync(script, trialScript(root, eventFile, logFile, exitFile), { mode: 0o755 });
      try {
        // A job of this trial left by an interrupted study: the study runs the trial again from nothing.
        await slurmCommand(["scancel", `--name=${name}`]);
        id = parseSbatch(await slurmCommandOk(["sbatch", "--parsable", `--job-name=${name}`, `--output=${logFile}.slurm-%j.out`, `--chdir=${process.cwd()}`, ...options.sbatch, script]));
      } catch (err) {
        appendFileSync(`${logFile}.err`, `submitting the trial: ${errorMessage(err)}\n`);
        return 1;
      }
      if (stopped) void slurmCommand(["scancel", id]);
      const end = await poller.wait(id, name, () => existsSync(exitFile));
      if (end.done) return Number(readFileSync(exitFile, "utf8").trim());
      appendFileSync(`${logFile}.err`, `slurm job ${id} (${name}) ended without an exit status: ${end.detail}\n`);
      return 1;
    })();
    return {
      exited,
      stop() {
        stopped = true;
        if (id) void slurmCommand(["scancel", id]);
      },
    };
  };
}

/** The trial job: train, then its exit status written atomically (temp + rename) beside the log. */
function trialScript(root: string, eventFile: string, logFile: string, exitFile: string): string {
  const q = (p: string) => shellWord(resolve(p));
  return `#!/bin/bash
${shellWord(process.execPath)} ${shellWord(`${root}/cli/main.ts`)} train --event ${q(eventFile)} --quiet >>${q(logFile)} 2>>${q(`${logFile}.err`)}
code=$?
echo "$code" >${q(`${exitFile}.tmp`)} && mv ${q(`${exitFile}.tmp`)} ${q(exitFile)}
exit "$code"
`;
}
