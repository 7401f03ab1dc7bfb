import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { TaskError } from "../errors/index.ts";

/** A process, told apart from a later one that reuses its pid. */
export interface ProcessId {
  pid: number;
  host: string;
  /** Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22); null where /proc cannot tell. */
  procStart: string | null;
}

/**
 * Who holds a lock file: written whole when the lock is taken, so another process can tell
 * whether the holder still lives (same host: its pid exists and started when it says).
 */
export interface LockHolder extends ProcessId {
  /** ISO time the lock was taken. */
  since: string;
  /** What the lock is for, e.g. `pipeline node train/seed-42`. */
  purpose: string;
  /** Unique per acquisition: a release removes the file only while it is still this lock. */
  token: string;
}

/** A lock this process holds; `release` is idempotent. */
export interface FileLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/** One line for messages: `pid 1234 on host h since 2026-12-07T12:00:00.000Z`. */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid}${h.host === hostname() ? "" : ` on host ${h.host}`} since ${h.since}`;
}

/**
 * What to tell someone waiting for a lock held on another machine, which this one cannot check
 * (no pid to probe across hosts): how to free it if that process is gone. Empty for this host's
 * holders, whose death is noticed and whose lock is taken over.
 */
export function foreignHolderHint(path: string, h: ProcessId): string {
  return h.host === hostname() ? "" : `; this machine cannot tell whether pid ${h.pid} on ${h.host} still runs: if it is gone, remove ${path}`;
}

/** State (`R`, `S`, `Z`, …) and start time in clock ticks since boot of process `pid`, or null where /proc cannot tell. */
function processStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) may hold spaces and parentheses: count fields after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", start: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** Process `pid` of this host (default: this process). */
export function processId(pid: number = process.pid): ProcessId {
  return { pid, host: hostname(), procStart: processStat(pid)?.start ?? null };
}

/** False only when the process certainly died: same host and its pid is gone or now another process. */
export function processAlive(h: ProcessId): boolean {
  if (h.host !== hostname()) return true; // another machine on a shared file system: cannot tell
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const stat = processStat(h.pid);
  if (stat?.state === "Z") return false; // exited, not yet reaped by its parent
  return h.procStart === null || stat === null || stat.start === h.procStart;
}

/** The holder recorded in a lock file, or null when there is none (or it is not a lock file). */
export function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof h.pid === "number" && typeof h.token === "string" ? h : null;
  } catch {
    return null;
  }
}

/** Creates `path` holding `content`, atomically and only if absent (a hard link fails on EEXIST). */
function createExclusive(path: string, content: string): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${crypto.randomUUID()}`);
  writeFileSync(tmp, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const held = new Set<FileLock>();
let exitHook = false;

/** Locks still held when the process exits normally are released (a kill leaves a stale lock, taken over later). */
function track(lock: FileLock): void {
  held.add(lock);
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const l of [...held]) l.release();
  });
}

/**
 * Removes the lock at `path` if it still records `stale` (a dead holder). Done under a short
 * `<path>.break` lock, so two processes that both found it stale cannot remove a fresh lock taken
 * meanwhile; a `.break` older than 30 s was left by a killed breaker and is removed.
 */
function breakStale(path: string, stale: LockHolder): void {
  const breaker = `${path}.break`;
  if (existsSync(breaker) && Date.now() - statSync(breaker).mtimeMs > 30_000) rmSync(breaker, { force: true });
  if (!createExclusive(breaker, String(process.pid))) return;
  try {
    if (readHolder(path)?.token === stale.token) rmSync(path, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

/**
 * Takes the lock file `path` (O_EXCL-like create; a lock whose holder died on this host is taken
 * over). Returns the lock, or the live holder when another process has it.
 */
export function tryLock(path: string, purpose: string, now: Date = new Date()): FileLock | LockHolder {
  mkdirSync(dirname(path), { recursive: true });
  const holder: LockHolder = { ...processId(), since: now.toISOString(), purpose, token: crypto.randomUUID() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, `${JSON.stringify(holder)}\n`)) {
      const lock: FileLock = {
        path,
        holder,
        release() {
          if (!held.delete(lock)) return;
          if (readHolder(path)?.token === holder.token) rmSync(path, { force: true });
        },
      };
      track(lock);
      return lock;
    }
    const other = readHolder(path);
    if (other && processAlive(other)) return other;
    if (other) breakStale(path, other);
    // Locks are written whole (createExclusive): an existing file without a holder is something else.
    else if (existsSync(path)) break;
  }
  const other = readHolder(path);
  if (other) return other;
  if (!existsSync(path)) return tryLock(path, purpose, now); // released meanwhile, five times over
  throw new TaskError("bad_lock", `${path} exists but records no lock holder (pid, host); remove it if no process is using it`);
}

/** `tryLock`'s answer narrowed: true when it is a lock this process now holds. */
export function isHeld(result: FileLock | LockHolder): result is FileLock {
  return "release" in result;
}

/**
 * Takes the lock at `path`, waiting while a live process holds it; `onWait` is called once, with
 * the holder, when it has to wait.
 */
export async function waitForLock(path: string, purpose: string, options: { onWait: (holder: LockHolder) => void; pollMs?: number; now?: () => Date }): Promise<FileLock> {
  let told = false;
  for (;;) {
    const result = tryLock(path, purpose, options.now?.());
    if (isHeld(result)) return result;
    if (!told) options.onWait(result);
    told = true;
    await Bun.sleep(options.pollMs ?? 250);
  }
}
