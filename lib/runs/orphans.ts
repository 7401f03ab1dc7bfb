import { existsSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { readJson, writeJsonAtomic } from "../artifacts/index.ts";
import { processAlive, processId, type ProcessId } from "./lock.ts";

const processIdSchema = z.object({ pid: z.number().int(), host: z.string(), procStart: z.string().nullable() });

const PARENT_ENV = "MAMMO_PARENT_PID";

/** The environment for a child task process that must not outlive this one (it calls `exitWithParent`). */
export function childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, ...extra, [PARENT_ENV]: String(process.pid) };
}

/**
 * In a task process started with `childEnv`: exits (code 1, one line) once the parent is gone, at
 * once when it died while starting this one (before it could record it), else within about a
 * second, so a task never outlives the pipeline or study that started it. The variable is removed,
 * so this process's own children are not held to its parent.
 */
export function exitWithParent(): void {
  const parent = Number(process.env[PARENT_ENV]);
  delete process.env[PARENT_ENV];
  if (!parent) return;
  const check = () => {
    if (process.ppid === parent) return;
    process.stderr.write(`error: parent process ${parent} is gone (killed?): stopping\n`);
    process.exit(1);
  };
  check();
  setInterval(check, 500).unref();
}

/**
 * Records child process `pid` in `path` (a `<name>.pid` beside its event file), so that if this
 * process is killed (kill -9, the OOM killer) the next one can stop the child it left running.
 */
export function recordChild(path: string, pid: number): void {
  writeJsonAtomic(path, processId(pid));
}

/** Forgets a child recorded by `recordChild` (it exited). */
export function forgetChild(path: string): void {
  rmSync(path, { force: true });
}

/** `process.kill`, where a process that exited meanwhile is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

async function waitForExit(child: ProcessId, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processAlive(child)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(50);
  }
  return true;
}

/**
 * Stops the child recorded in `path` if it still runs, orphaned by a killed parent: SIGTERM (and
 * SIGCONT, should it be stopped), then
 * SIGKILL after `graceMs`; returns it (null when there was none), after it has exited. Called by
 * the process that now owns that work (it holds the node's lock or the trial's claim), before the
 * work starts again, so the orphan cannot write into the directory being remade.
 */
export async function stopOrphan(path: string, graceMs = 10_000): Promise<ProcessId | null> {
  if (!existsSync(path)) return null;
  const child = readJson(path, processIdSchema, "child process record");
  // Another machine's process cannot be signalled from here: the run directory's lock reports it.
  if (child.host !== hostname()) return null;
  if (!processAlive(child)) {
    forgetChild(path);
    return null;
  }
  signal(child.pid, "SIGTERM");
  signal(child.pid, "SIGCONT"); // a stopped process (Ctrl-Z) acts on SIGTERM only once continued
  if (!(await waitForExit(child, graceMs))) {
    signal(child.pid, "SIGKILL");
    await waitForExit(child, graceMs);
  }
  forgetChild(path);
  return child;
}
