import { shellWord } from "../../task/command.ts";
import { PREEMPTED_EXIT_CODE } from "../../train/preempt.ts";
import type { SlurmResources } from "./resources.ts";

/** One node run by a job (an array job runs several, one per array index). */
export interface JobMember {
  nodeId: string;
  /** The task the job runs (`train-gpu` for a GPU training). */
  task: string;
  /** Absolute path of the params as `--event` JSON. */
  event: string;
  /** The event a requeued job runs instead (a training's, with `resume: true`); else `event`. */
  resumeEvent: string;
  /** Absolute path of the node's log (the task's stdout; stderr goes to `<log>.err`). */
  log: string;
  /** Absolute path of the finish spec: the cache record the job writes when the task succeeded (a pipeline node's). */
  finish: string | null;
  /** Where the job writes the task's exit status when it ends other than by a requeue (an HPO trial's). */
  exitFile: string | null;
}

/** Everything one `sbatch` needs; absolute paths, since the job runs on another machine. */
export interface JobRequest {
  /** `mammo-<cache key prefix>` (of an array job: of the hash of its nodes' keys). */
  name: string;
  /** `keysComment` of the members' keys: how a restarted runner finds a node's job again. */
  comment: string;
  resources: SlurmResources;
  members: JobMember[];
  /** The runner's working directory (on the shared file system): node params are relative to it. */
  chdir: string;
  /** Slurm's own log of the job (`%j` / `%A_%a` patterns allowed). */
  slurmLog: string;
  /** Absolute paths of the bun binary and of the repository. */
  bun: string;
  root: string;
  /** Where the job script is written. */
  script: string;
}

/** The name of a node's job: `mammo-` and the first 16 hex digits of its cache key. */
export function jobName(key: string): string {
  return `mammo-${key.slice(0, 16)}`;
}

/** A job's `--comment`: its nodes' key prefixes in array-index order (see `parseQueuedKeys`). */
export function keysComment(keys: readonly string[]): string {
  return `mammo-keys:${keys.map((k) => k.slice(0, 16)).join(",")}`;
}

/** The `sbatch` arguments (script path last) for `request`. */
export function sbatchArgs(request: JobRequest): string[] {
  const r = request.resources;
  const opt = (flag: string, value: string | number | undefined) => (value === undefined ? [] : [`--${flag}=${value}`]);
  return [
    "--parsable",
    `--job-name=${request.name}`,
    `--comment=${request.comment}`,
    `--output=${request.slurmLog}`,
    "--open-mode=append",
    `--chdir=${request.chdir}`,
    "--requeue",
    `--signal=B:USR1@${r.signalSeconds}`,
    ...opt("partition", r.partition),
    ...opt("account", r.account),
    ...opt("qos", r.qos),
    ...opt("time", r.time),
    ...opt("cpus-per-task", r.cpus),
    ...opt("mem", r.mem),
    ...opt("gres", r.gres),
    ...(request.members.length > 1 ? [`--array=0-${request.members.length - 1}`] : []),
    ...r.extra,
    request.script,
  ];
}

/** The command line `sbatch` is run with, as `--dry-run --explain` prints it. */
export function sbatchCommandLine(request: JobRequest): string {
  return ["sbatch", ...sbatchArgs(request)].map(shellWord).join(" ");
}

/**
 * The job script. It runs the member's task (`bun cli/main.ts <task> --event <json>`) with its
 * output appended to the member's log (a requeued job runs the resume event: a training continues
 * from its checkpoint), forwards Slurm's USR1 warning to it, and then:
 * - exit 0: writes the member's exit file and its cache record (the runner's proof that the node is done);
 * - stopped by the warning (a training exits `PREEMPTED_EXIT_CODE` after its checkpoint; another
 *   task dies of the signal): requeues itself, and the requeued job resumes;
 * - anything else: writes the exit file and fails with the task's exit code.
 * An exit file is written atomically (temp + rename): a watcher never reads half a number.
 */
export function jobScript(request: JobRequest): string {
  const list = (pick: (m: JobMember) => string | null) => `(${request.members.map((m) => shellWord(pick(m) ?? "")).join(" ")})`;
  const bun = shellWord(request.bun);
  return `#!/bin/bash
# ${request.name}: ${request.members.map((m) => m.nodeId).join(", ")} (written by mammo-density)
set -u
i=\${SLURM_ARRAY_TASK_ID:-0}
tasks=${list((m) => m.task)}
events=${list((m) => m.event)}
resume_events=${list((m) => m.resumeEvent)}
logs=${list((m) => m.log)}
finish=${list((m) => m.finish)}
exit_files=${list((m) => m.exitFile)}
job=\${SLURM_ARRAY_JOB_ID:+\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}}
job=\${job:-$SLURM_JOB_ID}
event=\${events[$i]}
if [ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then event=\${resume_events[$i]}; fi
exec >>"\${logs[$i]}" 2>>"\${logs[$i]}.err"
echo "slurm job $job (restart \${SLURM_RESTART_COUNT:-0}) on $(hostname): \${tasks[$i]} --event $event" >&2
report() {
  if [ -n "\${exit_files[$i]}" ]; then echo "$1" >"\${exit_files[$i]}.tmp" && mv "\${exit_files[$i]}.tmp" "\${exit_files[$i]}"; fi
}
warned=0
${bun} ${shellWord(`${request.root}/cli/main.ts`)} "\${tasks[$i]}" --event "$event" &
child=$!
trap 'warned=1; kill -USR1 "$child" 2>/dev/null' USR1
while kill -0 "$child" 2>/dev/null; do wait "$child"; done
wait "$child"
code=$?
if [ "$code" -eq 0 ]; then
  report 0
  if [ -n "\${finish[$i]}" ]; then exec ${bun} ${shellWord(`${request.root}/lib/pipeline/slurm/finish.ts`)} "\${finish[$i]}"; fi
  exit 0
fi
if [ "$code" -eq ${PREEMPTED_EXIT_CODE} ] || [ "$warned" -eq 1 ]; then
  echo "slurm job $job: stopped before its time limit (exit $code); requeued, it resumes from its checkpoint" >&2
  scontrol requeue "$job" && exit 0
fi
report "$code"
exit "$code"
`;
}
