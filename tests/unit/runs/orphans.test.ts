import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive, processId } from "../../../lib/runs/lock.ts";
import { recordChild, stopOrphan } from "../../../lib/runs/orphans.ts";

const record = () => join(mkdtempSync(join(tmpdir(), "orphan-")), "node.pid");

describe("stopOrphan(record)", () => {
  test("stops a recorded child that still runs (SIGTERM), waits until it has exited, and forgets it", async () => {
    const path = record();
    const child = Bun.spawn(["sleep", "60"]);
    recordChild(path, child.pid);
    const stopped = await stopOrphan(path);
    expect(stopped?.pid).toBe(child.pid);
    expect(processAlive(processId(child.pid))).toBe(false);
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe("SIGTERM");
    expect(existsSync(path)).toBe(false);
  });
  test("a stopped child (SIGSTOP) is continued, so that it acts on SIGTERM", async () => {
    const path = record();
    const child = Bun.spawn(["sleep", "60"]);
    process.kill(child.pid, "SIGSTOP");
    recordChild(path, child.pid);
    expect((await stopOrphan(path, 30_000))?.pid).toBe(child.pid);
    await child.exited;
    expect(child.signalCode).toBe("SIGTERM");
  });
  test("a child that ignores SIGTERM is killed after the grace time", async () => {
    const path = record();
    const child = Bun.spawn(["sh", "-c", "trap '' TERM; exec sleep 60"]); // the ignored TERM survives exec
    await Bun.sleep(200); // let the shell install its trap
    recordChild(path, child.pid);
    expect((await stopOrphan(path, 300))?.pid).toBe(child.pid);
    await child.exited;
    expect(child.signalCode).toBe("SIGKILL");
  });
  test("nothing to stop: no record, a child that already exited, or one on another host (not signalled)", async () => {
    expect(await stopOrphan(record())).toBeNull();
    const path = record();
    const done = Bun.spawn(["true"]);
    await done.exited;
    recordChild(path, done.pid);
    expect(await stopOrphan(path)).toBeNull();
    expect(existsSync(path)).toBe(false);
    const far = record();
    writeFileSync(far, JSON.stringify({ pid: process.pid, host: "another-host", procStart: null }));
    expect(await stopOrphan(far)).toBeNull();
  });
});
