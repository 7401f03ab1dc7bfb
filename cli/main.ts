import { TaskError, errorMessage } from "../lib/errors/index.ts";
import { aliases, loadTask, resolveTaskName, runTask, taskNames, watchMathRandom } from "../lib/task/index.ts";
import { parseArgs } from "./argv.ts";
import { shellWord } from "../lib/task/command.ts";
import { overviewHelp, taskHelp } from "./help.ts";
import { TRAIN_DENSITY_HELP, routeTrainDensity } from "./reference.ts";
import { basename, relative } from "node:path";
import { exitWithParent } from "../lib/runs/orphans.ts";

/**
 * How this process was started, as typed (as far as a process can tell): `bun run task` when
 * started through the package script, `mammography` through the bin entry, else `bun <script>`.
 * It prefixes `command_line` in summary.json.
 */
export function invocation(entry: "task" | "bin"): string[] {
  if (entry === "bin") return [basename(process.argv[1] ?? "mammography").replace(/\.ts$/, "")];
  if (process.env.npm_lifecycle_event === "task") return ["bun", "run", "task"];
  return ["bun", relative(process.cwd(), process.argv[1] ?? "cli/main.ts") || "cli/main.ts"];
}

/**
 * `bun run task <name> [--flags]`. Exit codes: 0 done, 1 failure while running, 2 bad input
 * (unknown task or flag, bad value, missing file).
 */
export async function main(argv: readonly string[], invokedAs: readonly string[] = invocation("task")): Promise<number> {
  exitWithParent(); // a task started by a pipeline or an hpo study stops when it is killed
  const debug = argv.includes("--debug");
  try {
    const [name, ...given] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const tasks = await Promise.all(taskNames().map((n) => loadTask(n)));
      process.stdout.write(overviewHelp(tasks, aliases()));
      return name === undefined ? 2 : 0;
    }
    // The reference pipeline's `train-density --cv-folds k --cv-outdir D` runs the cv task.
    const routed = routeTrainDensity(name, given);
    const rest = routed.argv;
    const canonical = resolveTaskName(routed.task);
    const task = await loadTask(canonical);
    const args = parseArgs(task, rest);
    if (args.help) {
      process.stdout.write(taskHelp(task, name) + (name === "train-density" ? `${TRAIN_DENSITY_HELP}\n` : ""));
      return 0;
    }
    if (routed.note && !args.quiet) process.stderr.write(`${name}: ${routed.note}\n`);
    const watch = watchMathRandom();
    let result;
    try {
      result = await runTask(canonical, args.params, {
        debug: args.debug,
        quiet: args.quiet,
        commandLine: [...invokedAs, ...argv].map(shellWord).join(" "),
      });
    } finally {
      watch.restore();
    }
    if (watch.calls > 0) {
      process.stderr.write(`warning: Math.random was called ${watch.calls} times during this run (first by ${watch.firstCaller ?? "unknown"}); results may not be reproducible\n`);
      if (args.debug && watch.firstStack) process.stderr.write(`${watch.firstStack}\n`);
    }
    if (typeof result.path === "string") process.stdout.write(`${result.path}\n`);
    return 0;
  } catch (err) {
    const code = err instanceof TaskError ? err.exitCode : 1;
    process.stderr.write(`error: ${errorMessage(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else if (code === 1 && !(err instanceof TaskError)) process.stderr.write("(run again with --debug for the stack trace)\n");
    return code;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Let stdout drain before exiting.
  process.exitCode = code;
}
