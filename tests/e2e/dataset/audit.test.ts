import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDataset } from "../../../lib/dataset/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

let tmp: ReturnType<typeof tempDir>;
let root: string;
let csv: string;
const hashes: Record<string, string> = {};
const clock = { now: () => new Date("2024-01-02T03:04:05Z") };

beforeAll(async () => {
  tmp = tempDir("audit-");
  root = join(tmp.dir, "archive");
  const put = (rel: string, bytes: Uint8Array) => {
    tmp.write(`archive/${rel}`, bytes);
    hashes[rel] = sha(bytes);
  };
  put("000123/a.dcm", await tinyDicom({ seed: 1 }));
  put("000123/b.dcm", await tinyDicom({ seed: 2 }));
  put("000124/x.dcm", await tinyDicom({ seed: 3 }));
  put("000125/1.dcm", (await tinyDicom({ seed: 4 })).subarray(0, 300));
  put("000125/2.dcm", await tinyDicom({ seed: 5 }));
  put("000999/y.dcm", await tinyDicom({ seed: 6 }));
  tmp.write("archive/000777/readme.txt", "no images here");
  csv = tmp.write("classificacao.csv", "AccessionNumber,Classification,ClassificationDate\n000123,2,d\n000124,5,d\n000125,3,d\n000200,4,d\n000777,1,d\n");
});

afterAll(() => tmp.cleanup());

describe("audit task", () => {
  test("audit writes data_manifest.json with the upstream keys, counts and per-file records", async () => {
    const outdir = join(tmp.dir, "out");
    const result = await runTask("audit", { csv, dicomRoot: root, outdir }, { quiet: true, clock });
    expect(result.path).toBe(join(outdir, "data_manifest.json"));
    const manifest = JSON.parse(readFileSync(join(outdir, "data_manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      task: "audit",
      generated_at: "2024-01-02T03:04:05.000Z",
      total_accessions: 5,
      total_csv_entries: 5,
      exams_missing_dir: ["000200"],
      dirs_missing_csv: ["000999"],
      class_histogram: { "1": 1, "2": 1, "3": 1, "5": 1, missing: 1 },
      total_dicom_files: 6,
      total_readable_files: 5,
      readability_ratio: 5 / 6,
    });
    expect(manifest.inputs).toEqual({ [csv]: sha(readFileSync(csv)) });
    expect(manifest.files).toEqual([
      { path: "000123/a.dcm", sha256: hashes["000123/a.dcm"], readable: true, reason: null },
      { path: "000123/b.dcm", sha256: hashes["000123/b.dcm"], readable: true, reason: null },
      { path: "000124/x.dcm", sha256: hashes["000124/x.dcm"], readable: true, reason: null },
      // Refused from its header alone: not read whole, so not hashed.
      { path: "000125/1.dcm", sha256: "", readable: false, reason: "truncated" },
      { path: "000125/2.dcm", sha256: hashes["000125/2.dcm"], readable: true, reason: null },
      { path: "000999/y.dcm", sha256: hashes["000999/y.dcm"], readable: true, reason: null },
    ]);
  });

  test("audit writes data_audit.csv: one row per exam folder, sample_checksum = SHA-256 of the first file", async () => {
    const outdir = join(tmp.dir, "out-csv");
    await runTask("audit", { csv, dicomRoot: root, outdir }, { quiet: true, clock });
    expect(readFileSync(join(outdir, "data_audit.csv"), "utf8")).toBe(
      [
        "accession,classification,dicom_count,readable_count,unreadable_count,sample_checksum,notes",
        `000123,2,2,2,0,${hashes["000123/a.dcm"]},`,
        `000124,5,1,1,0,${hashes["000124/x.dcm"]},class 5 (non-standard incidence): excluded`,
        "000125,3,2,1,1,,unreadable: 000125/1.dcm (truncated)",
        "000777,1,0,0,0,,no DICOM files",
        `000999,,1,1,0,${hashes["000999/y.dcm"]},no CSV row`,
        "",
      ].join("\n"),
    );
  });

  test("audit's data_fingerprint equals loadDataset({views: 'all'})'s, with and without class 5", async () => {
    for (const includeClass5 of [false, true]) {
      const outdir = join(tmp.dir, `out-fp-${includeClass5}`);
      const result = await runTask("audit", { csv, dicomRoot: root, outdir, includeClass5 }, { quiet: true, clock });
      const ds = await loadDataset({ csv, dicomRoot: root, views: "all", includeClass5 });
      expect(result.dataFingerprint).toBe(ds.fingerprint);
    }
    const without = await loadDataset({ csv, dicomRoot: root, views: "all" });
    const withClass5 = await loadDataset({ csv, dicomRoot: root, views: "all", includeClass5: true });
    expect(withClass5.fingerprint).not.toBe(without.fingerprint);
  });

  test("audit rejects an unknown --format value naming the flag", async () => {
    await expect(runTask("audit", { csv, dicomRoot: root, format: "dicomdir" }, { quiet: true })).rejects.toThrow("invalid --format: dicomdir");
  });
});
