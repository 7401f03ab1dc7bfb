import { TaskError, errorMessage } from "../lib/errors/index.ts";
import { aliases, loadTask, resolveTaskName, runTask, taskNames, watchMathRandom } from "../lib/task/index.ts";
import { parseArgs } from "./argv.ts";
import { shellWord } from "../lib/task/command.ts";
import { overviewHelp, taskHelp } from "./help.ts";
// seedrandom mixes one Math.random value into its pool when it is first loaded: load it before
// the watch starts, so that only calls made while a task runs are counted.
import "../lib/rng/index.ts";

/**
 * `bun run task <name> [--flags]`. Exit codes: 0 done, 1 failure while running, 2 bad input
 * (unknown task or flag, bad value, missing file).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const tasks = await Promise.all(taskNames().map((n) => loadTask(n)));
      process.stdout.write(overviewHelp(tasks, aliases()));
      return name === undefined ? 2 : 0;
    }
    const canonical = resolveTaskName(name);
    const task = await loadTask(canonical);
    const args = parseArgs(task, rest);
    if (args.help) {
      process.stdout.write(taskHelp(task, name));
      return 0;
    }
    const watch = watchMathRandom();
    let result;
    try {
      result = await runTask(canonical, args.params, {
        debug: args.debug,
        quiet: args.quiet,
        commandLine: ["bun", "run", "task", ...argv].map(shellWord).join(" "),
      });
    } finally {
      watch.restore();
    }
    if (watch.calls > 0) {
      process.stderr.write(`warning: Math.random was called ${watch.calls} times during this run; results may not be reproducible\n`);
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
