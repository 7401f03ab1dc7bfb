import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { checkReadable, loadDataset } from "../../../lib/dataset/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { tempDir, tinyDicom, withBigEndianSyntax } from "./fixtures.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let tmp: ReturnType<typeof tempDir>;
let root: string;
let csv: string;
const hashes: Record<string, string> = {};

beforeAll(async () => {
  tmp = tempDir();
  root = join(tmp.dir, "archive");
  const put = (rel: string, bytes: Uint8Array | string) => {
    tmp.write(`archive/${rel}`, bytes);
    if (typeof bytes !== "string") hashes[rel] = sha(bytes);
  };
  put("000123/study/b.dcm", await tinyDicom({ patientId: "P1", view: "MLO", laterality: "R", seed: 2 }));
  put("000123/study/a.dcm", await tinyDicom({ patientId: "P1", view: "CC", laterality: "L", seed: 1 }));
  put("000124/x.dcm", await tinyDicom({ patientId: "P5", seed: 5 }));
  const good = await tinyDicom({ patientId: "P3", seed: 3 });
  put("000125/1.dcm", good.subarray(0, 300)); // cut inside the header
  put("000125/2.dcm", "this is a text file, not a DICOM\n");
  put("000125/3.dcm", withBigEndianSyntax(await tinyDicom({ patientId: "P3", seed: 4 })));
  put("000125/4.dcm", good);
  put("000125/._4.dcm", "macOS resource fork"); // hidden: not an image
  put("000126/z.DICOM", await tinyDicom({ patientId: "P6", seed: 6 }));
  put("000999/y.dcm", await tinyDicom({ patientId: "P9", seed: 9 }));
  csv = tmp.write("classificacao.csv", "AccessionNumber,Classification,ClassificationDate\n000123,2,2020-01-01\n000124,5,2020-01-01\n000125,3,2020-01-01\n000200,1,2020-01-01\n126,4,2020-01-01\n");
});

afterAll(() => tmp.cleanup());

describe("loadDataset on classificacao.csv", () => {
  test("loadDataset({views: 'one'}) keeps the first readable file of each accession in sorted path order", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root });
    expect(ds.format).toBe("classificacao");
    expect(ds.samples.map((s) => [s.accession, s.label, s.imagePath, s.patientId, s.viewPosition, s.laterality, s.row])).toEqual([
      ["000123", 2, join(root, "000123/study/a.dcm"), "P1", "CC", "L", 2],
      ["000125", 3, join(root, "000125/4.dcm"), "P3", "CC", "L", 4],
      ["000126", 4, join(root, "000126/z.DICOM"), "P6", "CC", "L", 6],
    ]);
    expect(ds.samples[0]?.sha256).toBe(hashes["000123/study/a.dcm"] as string);
  });

  test("loadDataset records unreadable files with their reason and goes on", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root });
    expect(ds.unreadable.map((u) => [u.path, u.reason])).toEqual([
      [join(root, "000125/1.dcm"), "truncated"],
      [join(root, "000125/2.dcm"), "not_dicom"],
      [join(root, "000125/3.dcm"), "unsupported_transfer_syntax"],
    ]);
    // 000123 stops at a.dcm; 000125 reads 4 files; 000126 one.
    expect(ds.totalFiles).toBe(6);
  });

  test("loadDataset counts CSV rows without a folder, folders without a row, and excluded class 5", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root });
    expect(ds.missing).toEqual([{ row: 5, accession: "000200", path: "000200", why: "no directory" }]);
    expect(ds.unlistedDirs).toEqual(["000999"]);
    expect(ds.skipped).toEqual({ class5: 1, emptyLabel: 0, duplicates: 0, linkedFiles: 0 });
    expect(ds.csvRows).toBe(5);
  });

  test("loadDataset({views: 'all'}) keeps every readable view and examines every file", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all" });
    expect(ds.samples.map((s) => s.imagePath.slice(root.length + 1))).toEqual(["000123/study/a.dcm", "000123/study/b.dcm", "000125/4.dcm", "000126/z.DICOM"]);
    expect(ds.samples[1]?.viewPosition).toBe("MLO");
    expect(ds.totalFiles).toBe(7);
  });

  test("loadDataset({includeClass5: true}) keeps class 5", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root, includeClass5: true });
    expect(ds.samples.map((s) => [s.accession, s.label])).toEqual([
      ["000123", 2],
      ["000124", 5],
      ["000125", 3],
      ["000126", 4],
    ]);
    expect(ds.skipped.class5).toBe(0);
  });

  test("loadDataset's fingerprint is SHA-256 over sorted 'path TAB sha256 TAB label' lines", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root });
    const lines = [`000123/study/a.dcm\t${hashes["000123/study/a.dcm"]}\t2\n`, `000125/4.dcm\t${hashes["000125/4.dcm"]}\t3\n`, `000126/z.DICOM\t${hashes["000126/z.DICOM"]}\t4\n`];
    expect(ds.fingerprint).toBe(sha(Buffer.from(lines.join(""))));
  });

  test("loadDataset's fingerprint changes when a label changes", async () => {
    const other = tmp.write("relabelled.csv", "AccessionNumber,Classification\n000123,3\n000125,3\n126,4\n");
    const a = await loadDataset({ csv, dicomRoot: root });
    const b = await loadDataset({ csv: other, dicomRoot: root });
    expect(b.samples.map((s) => s.imagePath)).toEqual(a.samples.map((s) => s.imagePath));
    expect(b.fingerprint).not.toBe(a.fingerprint);
  });

  test("loadDataset refuses an accession that escapes the DICOM root", async () => {
    const evil = tmp.write("evil.csv", "AccessionNumber,Classification\n000123,2\n../../etc,3\n");
    await expect(loadDataset({ csv: evil, dicomRoot: root })).rejects.toThrow(`${evil} row 3: AccessionNumber "../../etc" is not a folder name`);
  });

  test("loadDataset on a missing DICOM root is a usage error naming it", async () => {
    await expect(loadDataset({ csv, dicomRoot: join(tmp.dir, "nope") })).rejects.toThrow(`DICOM root is not a directory: ${join(tmp.dir, "nope")}`);
  });
});

describe("checkReadable", () => {
  test("checkReadable(dataset, 0.99) throws listing the unreadable files with their reasons", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all" });
    let caught: unknown;
    try {
      checkReadable(ds, 0.99);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TaskError);
    const message = (caught as TaskError).message;
    expect(message).toContain("only 4/7 DICOM files are readable (57.14% < 99.00% required)");
    expect(message).toContain(`${join(root, "000125/1.dcm")} (truncated)`);
    expect(message).toContain(`${join(root, "000125/2.dcm")} (not_dicom)`);
    expect(message).toContain(`${join(root, "000125/3.dcm")} (unsupported_transfer_syntax)`);
  });

  test("checkReadable passes at or above the threshold", async () => {
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all" });
    expect(() => checkReadable(ds, 4 / 7)).not.toThrow();
  });
});

describe("loadDataset on path-based and public layouts", () => {
  test("loadDataset resolves a path-based CSV and refuses paths outside the root", async () => {
    const paths = tmp.write("paths.csv", `image_path,label,patient_id\n000123/study/b.dcm,D,PX\n${join(root, "000126/z.DICOM")},A,\n`);
    const ds = await loadDataset({ csv: paths, dicomRoot: root });
    expect(ds.samples.map((s) => [s.accession, s.label, s.patientId, s.imagePath])).toEqual([
      ["000123/study/b.dcm", 4, "PX", join(root, "000123/study/b.dcm")],
      [join(root, "000126/z.DICOM"), 1, "P6", join(root, "000126/z.DICOM")],
    ]);
    for (const bad of ["../../etc/passwd", "/etc/passwd"]) {
      const evil = tmp.write("evil-paths.csv", `image_path,label\n${bad},A\n`);
      await expect(loadDataset({ csv: evil, dicomRoot: root })).rejects.toThrow(`${evil} row 2: path outside the DICOM root ${root}: "${bad}"`);
    }
  });

  test("loadDataset finds VinDr-Mammo images at <study_id>/<image_id>.dicom", async () => {
    const vindr = tempDir("vindr-");
    try {
      vindr.write("images/s1/i1.dicom", await tinyDicom({ patientId: "V1", seed: 11 }));
      const file = vindr.write("breast-level_annotations.csv", "study_id,series_id,image_id,laterality,view_position,breast_density\ns1,x,i1,R,MLO,DENSITY B\ns1,x,i2,L,CC,DENSITY B\n");
      const ds = await loadDataset({ csv: file, dicomRoot: join(vindr.dir, "images") });
      expect(ds.format).toBe("vindr");
      expect(ds.samples.map((s) => [s.accession, s.label, s.laterality, s.viewPosition, s.patientId])).toEqual([["s1", 2, "R", "MLO", "V1"]]);
      expect(ds.missing).toEqual([{ row: 3, accession: "s1", path: "s1/i2.dicom", why: "no file" }]);
    } finally {
      vindr.cleanup();
    }
  });

  test("loadDataset finds RSNA images at <patient_id>/<image_id>.dcm and skips empty densities", async () => {
    const rsna = tempDir("rsna-");
    try {
      rsna.write("train_images/10006/462822612.dcm", await tinyDicom({ patientId: "header-id", seed: 12 }));
      const file = rsna.write("train.csv", "site_id,patient_id,image_id,laterality,view,density\n2,10006,462822612,L,CC,C\n2,10006,1459541791,L,MLO,\n");
      const ds = await loadDataset({ csv: file, dicomRoot: join(rsna.dir, "train_images") });
      expect(ds.samples.map((s) => [s.accession, s.patientId, s.label])).toEqual([["10006", "10006", 3]]);
      expect(ds.skipped.emptyLabel).toBe(1);
    } finally {
      rsna.cleanup();
    }
  });

  test("loadDataset falls back to the first DICOM under a CBIS-DDSM row's first folder (TCIA download layout)", async () => {
    const cbis = tempDir("cbis-");
    try {
      cbis.write("CBIS-DDSM/Mass-Training_P_00001_LEFT_CC/07-20-2016-DDSM-74994/1.000000-full mammogram images-24515/1-1.dcm", await tinyDicom({ seed: 13 }));
      const file = cbis.write("mass_case_description_train_set.csv", "patient_id,breast_density,left or right breast,image view,image file path\nP_00001,3,LEFT,CC,Mass-Training_P_00001_LEFT_CC/1.3.6.1/1.3.6.2/000000.dcm\n");
      const ds = await loadDataset({ csv: file, dicomRoot: join(cbis.dir, "CBIS-DDSM") });
      expect(ds.samples.map((s) => [s.accession, s.patientId, s.label, s.imagePath.endsWith("1-1.dcm")])).toEqual([["Mass-Training_P_00001_LEFT_CC", "P_00001", 3, true]]);
    } finally {
      cbis.cleanup();
    }
  });
});
