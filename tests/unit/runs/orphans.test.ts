import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive, processId } from "../../../lib/runs/lock.ts";
import { recordChild, stopOrphan } from "../../../lib/runs/orphans.ts";

const record = () => join(mkdtempSync(join(tmpdir(), "orphan-")), "node.pid");

describe("exitWithParent() in a child started with childEnv()", () => {
  const orphans = join(import.meta.dir, "..", "..", "..", "lib", "runs", "orphans.ts");
  /** A parent that starts a child, waits `ms`, exits, and prints the child's pid; the child's stderr goes to `log`. */
  const parent = (ms: number, log: string) => `
    import { childEnv } from ${JSON.stringify(orphans)};
    const child = Bun.spawn([process.execPath, "-e", ${JSON.stringify(`import { exitWithParent } from ${JSON.stringify(orphans)}; exitWithParent(); if (process.env.MAMMO_PARENT_PID) throw new Error("inherited"); await Bun.sleep(60000);`)}],
      { env: childEnv(), stdout: "ignore", stderr: Bun.file(${JSON.stringify(log)}) });
    console.log(child.pid);
    await Bun.sleep(${ms});
    process.exit(0);`;
  for (const ms of [0, 1500]) {
    test(`the child stops by itself once its parent is gone (parent exits after ${ms} ms)`, async () => {
      const log = join(mkdtempSync(join(tmpdir(), "orphan-")), "child.err");
      const p = Bun.spawn([process.execPath, "-e", parent(ms, log)], { stdout: "pipe", stderr: "inherit" });
      const out = await new Response(p.stdout).text();
      expect(await p.exited).toBe(0);
      const pid = Number(out.trim());
      const deadline = Date.now() + 20_000;
      while (processAlive(processId(pid)) && Date.now() < deadline) await Bun.sleep(50);
      expect(processAlive(processId(pid))).toBe(false);
      expect(readFileSync(log, "utf8")).toContain("is gone (killed?): stopping");
    }, 30_000);
  }
});

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
