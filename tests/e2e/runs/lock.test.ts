import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describeHolder, foreignHolderHint, processAlive, isHeld, readHolder, tryLock, waitForLock, type LockHolder } from "../../../lib/runs/lock.ts";
import { lockRunDir, RUN_LOCK_FILE } from "../../../lib/train/run-dir.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const fresh = () => join(mkdtempSync(join(tmpdir(), "lock-")), "node.json.lock");

/** The pid of a process that has exited (so no live process holds it, barring reuse within the test). */
async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

function holder(fields: Partial<LockHolder>): LockHolder {
  return { pid: process.pid, host: hostname(), since: "2026-01-01T00:00:00.000Z", purpose: "test", procStart: null, token: "t-old", ...fields };
}

describe("tryLock(path)", () => {
  test("takes a free lock, writing pid, host and time; a second taker gets the live holder; release frees it", () => {
    const path = fresh();
    const lock = tryLock(path, "pipeline node a", new Date("2026-12-07T12:00:00.000Z"));
    if (!isHeld(lock)) throw new Error("not taken");
    expect(readHolder(path)).toMatchObject({ pid: process.pid, host: hostname(), since: "2026-12-07T12:00:00.000Z", purpose: "pipeline node a" });
    const second = tryLock(path, "pipeline node a");
    expect(isHeld(second)).toBe(false);
    expect(second).toMatchObject({ pid: process.pid, token: lock.holder.token });
    expect(describeHolder(second as LockHolder)).toBe(`pid ${process.pid} since 2026-12-07T12:00:00.000Z`);
    lock.release();
    expect(existsSync(path)).toBe(false);
    expect(isHeld(tryLock(path, "again"))).toBe(true);
  });
  test("a lock whose holder died on this host is taken over", async () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify(holder({ pid: await deadPid() })));
    const lock = tryLock(path, "takeover");
    expect(isHeld(lock)).toBe(true);
    expect(readHolder(path)?.pid).toBe(process.pid);
  });
  test("a reused pid (same number, other start time) is not the holder; another host's holder is assumed alive", () => {
    expect(processAlive(holder({ procStart: "1" }))).toBe(false);
    expect(processAlive(holder({ procStart: readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ")[19] ?? null }))).toBe(true);
    expect(processAlive(holder({ pid: 999_999_999, host: "another-host" }))).toBe(true);
    expect(describeHolder(holder({ host: "another-host" }))).toBe(`pid ${process.pid} on host another-host since 2026-01-01T00:00:00.000Z`);
  });
  test("a run directory locked on another host is refused with how to free it, which this host cannot check", () => {
    const dir = mkdtempSync(join(tmpdir(), "run-"));
    const path = join(dir, RUN_LOCK_FILE);
    writeFileSync(path, `${JSON.stringify(holder({ pid: 4242, host: "gpu-node-7" }))}\n`);
    expect(() => lockRunDir(dir, new Date())).toThrow(
      `run directory ${dir} is being trained by pid 4242 on host gpu-node-7 since 2026-01-01T00:00:00.000Z (lock file ${path}); wait for it to finish or stop it; this machine cannot tell whether pid 4242 on gpu-node-7 still runs: if it is gone, remove ${path}`,
    );
    expect(foreignHolderHint(path, holder({}))).toBe("");
  });
  test("an exited process that its parent has not reaped yet (a zombie) is dead", async () => {
    // `sleep 0` exits at once; its parent, after exec, is `sleep 3`, which never reaps it.
    const parent = Bun.spawn(["sh", "-c", "sleep 0 & echo $!; exec sleep 3"], { stdout: "pipe" });
    const reader = parent.stdout.getReader();
    const pid = Number(new TextDecoder().decode((await reader.read()).value).trim());
    await Bun.sleep(300);
    expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toContain(") Z ");
    expect(processAlive({ pid, host: hostname(), procStart: null })).toBe(false);
    parent.kill("SIGKILL");
    await parent.exited;
  });
  test("a file in the lock's place that is not a lock is refused, naming it", () => {
    const path = fresh();
    writeFileSync(path, "not json");
    expect(() => tryLock(path, "x")).toThrow(`${path} exists but records no lock holder (pid, host); remove it if no process is using it`);
  });
  test("release leaves a lock that is no longer its own (taken over meanwhile)", () => {
    const path = fresh();
    const lock = tryLock(path, "mine");
    if (!isHeld(lock)) throw new Error("not taken");
    writeFileSync(path, JSON.stringify(holder({ token: "someone-else" })));
    lock.release();
    expect(readHolder(path)?.token).toBe("someone-else");
  });
});

describe("waitForLock(path)", () => {
  test("says once whom it waits for, and takes the lock when it is released", async () => {
    const path = fresh();
    const first = tryLock(path, "first", new Date("2026-12-07T12:00:00.000Z"));
    if (!isHeld(first)) throw new Error("not taken");
    const waits: string[] = [];
    setTimeout(() => first.release(), 400);
    const second = await waitForLock(path, "second", { pollMs: 20, onWait: (h) => waits.push(describeHolder(h)) });
    expect(waits).toEqual([`pid ${process.pid} since 2026-12-07T12:00:00.000Z`]);
    expect(readHolder(path)?.token).toBe(second.holder.token);
    second.release();
  });
  test("four processes finding one stale lock at once: exactly one takes it over", async () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify(holder({ pid: await deadPid() })));
    const script = `
      import { isHeld, tryLock } from ${JSON.stringify(join(ROOT, "lib", "runs", "lock.ts"))};
      const lock = tryLock(${JSON.stringify(path)}, "takeover");
      console.log(isHeld(lock) ? "held" : "refused " + lock.pid);
      await Bun.sleep(5000);`;
    const procs = [0, 1, 2, 3].map(() => Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" }));
    const said = await Promise.all(procs.map(async (p) => (await new Response(p.stdout).text()).trim()));
    const winner = procs[said.indexOf("held")];
    expect(said.filter((s) => s === "held").length).toBe(1);
    expect(said.filter((s) => s === `refused ${winner?.pid}`).length).toBe(3);
  }, 60_000);
  test("four processes taking one lock 5 times each are never inside it together", async () => {
    const path = fresh();
    const trace = `${path}.trace`;
    const script = `
      import { waitForLock } from ${JSON.stringify(join(ROOT, "lib", "runs", "lock.ts"))};
      import { appendFileSync } from "node:fs";
      for (let i = 0; i < 5; i++) {
        const lock = await waitForLock(${JSON.stringify(path)}, "race", { pollMs: 5, onWait: () => {} });
        appendFileSync(${JSON.stringify(trace)}, "in " + process.pid + "\\n");
        await Bun.sleep(10);
        appendFileSync(${JSON.stringify(trace)}, "out " + process.pid + "\\n");
        lock.release();
      }`;
    const procs = [0, 1, 2, 3].map(() => Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "inherit" }));
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(trace, "utf8").trim().split("\n");
    expect(lines.length).toBe(40);
    // Strictly alternating: every "in" is followed by the same process's "out".
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe((lines[i] as string).replace("in ", "out "));
    expect(existsSync(path)).toBe(false);
  }, 60_000);
});
