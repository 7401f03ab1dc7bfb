import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Lines Dawn and Mesa print straight to the process's stderr (from native code, past any JS
 * logger) while an adapter or device is created, which say nothing the user can act on: limits
 * Dawn lowers for its own bookkeeping, and Mesa's complaint about a missing XDG_RUNTIME_DIR on
 * headless machines.
 */
const HARMLESS = [/^Warning: max\w+ artificially reduced from \d+ to \d+/, /XDG_RUNTIME_DIR/];

interface Libc {
  dup(fd: number): number;
  dup2(from: number, to: number): number;
  close(fd: number): number;
}

let libc: Libc | null | undefined;

async function loadLibc(): Promise<Libc | null> {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux" || typeof Bun === "undefined") return libc;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    const { symbols } = dlopen("libc.so.6", {
      dup: { args: [FFIType.i32], returns: FFIType.i32 },
      dup2: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    libc = symbols as unknown as Libc;
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * Runs `fn` with file descriptor 2 pointed at a temporary file, then writes what was printed
 * there back to stderr without the HARMLESS lines: a refusal such as `no GPU: …` stays one line.
 * Anything else (a Vulkan loader error, the process's own messages) still appears, after `fn`.
 * Where the descriptors cannot be switched (not Linux, not Bun) `fn` simply runs.
 */
export async function withQuietStderr<T>(fn: () => Promise<T>): Promise<T> {
  const c = await loadLibc();
  if (c === null) return fn();
  const dir = mkdtempSync(join(tmpdir(), "mammo-dawn-"));
  const file = join(dir, "stderr");
  const fd = openSync(file, "w");
  const saved = c.dup(2);
  if (saved < 0 || c.dup2(fd, 2) < 0) {
    closeSync(fd);
    if (saved >= 0) c.close(saved);
    rmSync(dir, { recursive: true, force: true });
    return fn();
  }
  try {
    return await fn();
  } finally {
    c.dup2(saved, 2);
    c.close(saved);
    closeSync(fd);
    const kept = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.length > 0 && !HARMLESS.some((re) => re.test(line)));
    rmSync(dir, { recursive: true, force: true });
    if (kept.length > 0) process.stderr.write(`${kept.join("\n")}\n`);
  }
}
