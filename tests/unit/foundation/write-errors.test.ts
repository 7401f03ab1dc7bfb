import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWith } from "../../support/requirements.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");

/**
 * Runs writeFileAtomic(`target`, 64 KiB) in a private mount namespace where `dir` is a 16 KiB
 * tmpfs (read-only with `ro`), and returns what it threw and what is left in `dir`.
 */
function writeOnTinyFs(ro: boolean): { error: string; left: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "tinyfs-"));
  const script = join(mkdtempSync(join(tmpdir(), "tinyfs-script-")), "write.ts");
  writeFileSync(
    script,
    `import { writeFileAtomic } from ${JSON.stringify(join(ROOT, "lib", "artifacts", "index.ts"))};
import { readdirSync } from "node:fs";
let error = "";
try { writeFileAtomic(${JSON.stringify(join(dir, "figure.png"))}, new Uint8Array(65536)); } catch (err) { error = (err as Error).message; }
console.log(JSON.stringify({ error, left: readdirSync(${JSON.stringify(dir)}) }));`,
  );
  const mount = `mount -t tmpfs -o size=16k${ro ? ",ro" : ""} tmpfs ${dir}`;
  const out = Bun.spawnSync(["unshare", "-rm", "sh", "-c", `${mount} && ${process.execPath} ${script}`]);
  if (out.exitCode !== 0) throw new Error(`unshare failed: ${out.stderr.toString()}`);
  return JSON.parse(out.stdout.toString()) as { error: string; left: string[] };
}

describeWith(["mount namespaces"])("writeFileAtomic on a full or read-only file system", () => {
  test("writeFileAtomic on a full disk names the file and the reason, and leaves no temp file", () => {
    const { error, left } = writeOnTinyFs(false);
    expect(error).toMatch(/^cannot write \/.*\/figure\.png: no space left on the device \(ENOSPC\)$/);
    expect(left).toEqual([]);
  });
  test("writeFileAtomic on a read-only file system names the file and the reason", () => {
    const { error, left } = writeOnTinyFs(true);
    expect(error).toMatch(/^cannot write \/.*\/figure\.png: read-only file system \(EROFS\)$/);
    expect(left).toEqual([]);
  });
});

test("writeFileAtomic where a file stands in the way of the directory names the path", async () => {
  const { writeFileAtomic } = await import("../../../lib/artifacts/index.ts");
  const dir = mkdtempSync(join(tmpdir(), "inway-"));
  writeFileSync(join(dir, "best_model"), "a file");
  expect(() => writeFileAtomic(join(dir, "best_model", "weights.bin"), "x")).toThrow(`cannot write ${join(dir, "best_model", "weights.bin")}: a file is in the way of a directory`);
  mkdirSync(join(dir, "ok"));
  expect(existsSync(join(dir, "ok"))).toBe(true);
  expect(readdirSync(join(dir, "ok"))).toEqual([]);
});
