import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describeWith } from "../../support/requirements.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const OPS = join(ROOT, "ops");
const dir = mkdtempSync(join(tmpdir(), "ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command of ops/cron's one entry, for a checkout at `root` (the file names /srv/mammo-density). */
function cronCommand(root: string): string {
  const line = readFileSync(join(OPS, "cron"), "utf8")
    .split("\n")
    .find((l) => l.trim() && !l.startsWith("#")) as string;
  const command = line.trim().split(/\s+/).slice(5).join(" ").replace(/\s+#.*$/, "");
  return command.replaceAll("/srv/mammo-density", root);
}

test("ops/cron's command runs under cron's environment (env -i PATH=/usr/bin:/bin) on a checkout without outputs/", () => {
  const outdir = join(dir, "fresh", "outputs", "repro");
  // A missing reference: repro refuses before training, so this checks the environment, not the model.
  const command = `${cronCommand(ROOT)} --references ${join(dir, "no-references")} --backend wasm`;
  const run = Bun.spawnSync(["env", "-i", "PATH=/usr/bin:/bin", `HOME=${dir}`, `MAMMO_REPRO_OUTDIR=${outdir}`, "sh", "-c", command]);
  const stdout = run.stdout.toString();
  expect(run.exitCode).toBe(2);
  expect(stdout).toStartWith("nightly reproducibility check FAILED (exit 2)");
  expect(stdout).toContain("error: no reference for wasm");
  const logs = readdirSync(join(outdir, "logs"));
  expect(logs).toEqual([`repro-${new Date().toISOString().slice(0, 10)}.log`]);
  expect(readFileSync(join(outdir, "logs", logs[0] as string), "utf8")).toContain("error: no reference for wasm");
});

test("ops/nightly.sh runs MAMMO_NOTIFY with the failure on its standard input", () => {
  const outdir = join(dir, "notify");
  const sink = join(dir, "notified.txt");
  const run = Bun.spawnSync(["env", "-i", "PATH=/usr/bin:/bin", `MAMMO_REPRO_OUTDIR=${outdir}`, `MAMMO_NOTIFY=cat > ${sink}`, join(OPS, "nightly.sh"), "--references", join(dir, "none"), "--backend", "wasm"]);
  expect(run.exitCode).toBe(2);
  expect(readFileSync(sink, "utf8")).toStartWith("nightly reproducibility check FAILED (exit 2)");
});

test("ops/install-cron.sh adds the nightly line once and keeps the user's other entries", () => {
  // A stand-in `crontab` that keeps the table in a file (-l prints it, - replaces it from stdin).
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const table = join(dir, "crontab.txt");
  writeFileSync(table, "0 * * * * /home/me/backup.sh\n");
  writeFileSync(join(bin, "crontab"), `#!/bin/sh\nif [ "$1" = "-l" ]; then cat ${table}; else cat > ${table}; fi\n`);
  chmodSync(join(bin, "crontab"), 0o755);
  const install = () => Bun.spawnSync(["env", "-i", `PATH=${bin}:/usr/bin:/bin`, join(OPS, "install-cron.sh")]);
  expect(install().exitCode).toBe(0);
  expect(install().exitCode).toBe(0);
  expect(readFileSync(table, "utf8")).toBe(`0 * * * * /home/me/backup.sh\n30 2 * * * ${ROOT}/ops/nightly.sh # mammo-density nightly repro\n`);
});

describeWith(["systemd-analyze"])("ops/systemd", () => {
  test("the units pass systemd-analyze verify (installed at a checkout's path, for its owner)", () => {
    const units = join(dir, "units");
    mkdirSync(units);
    const files = readdirSync(join(OPS, "systemd")).map((f) => join(OPS, "systemd", f));
    for (const f of files) {
      const text = readFileSync(f, "utf8").replaceAll("/srv/mammo-density", ROOT).replace(/^User=.*$/m, "User=root").replace(/^Group=.*$/m, "Group=root");
      writeFileSync(join(units, basename(f)), text);
    }
    const run = Bun.spawnSync(["systemd-analyze", "verify", "--man=no", ...files.map((f) => join(units, basename(f)))], { cwd: units });
    expect(run.stderr.toString()).toBe("");
    expect(run.exitCode).toBe(0);
  });
  test("the service runs as a named user, wants the network it waits for, and reports a failure", () => {
    const service = readFileSync(join(OPS, "systemd", "mammo-repro.service"), "utf8");
    expect(service).toMatch(/^User=\w+$/m);
    expect(service).toMatch(/^Wants=network-online\.target$/m);
    expect(service).toMatch(/^After=network-online\.target$/m);
    expect(service).toMatch(/^OnFailure=mammo-repro-failed\.service$/m);
    expect(existsSync(join(OPS, "systemd", "mammo-repro-failed.service"))).toBe(true);
  });
});
