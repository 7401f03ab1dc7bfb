import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { auditArchive, loadDataset } from "../../../lib/dataset/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { tempDir, tinyDicom } from "./fixtures.ts";

// archive/000001/{a,b}.dcm real files; 000002/c.dcm real; 000003/ holds a link to 000001/a.dcm
// (the same file reached twice), a dangling link, a link loop and a FIFO, all named .dcm;
// outside/ beside the archive holds a file that links point at.
let tmp: ReturnType<typeof tempDir>;
let root: string;
let outsideFile: string;

beforeAll(async () => {
  tmp = tempDir("links-");
  root = join(tmp.dir, "archive");
  tmp.write("archive/000001/a.dcm", await tinyDicom({ seed: 1, patientId: "P1" }));
  tmp.write("archive/000001/b.dcm", await tinyDicom({ seed: 2, patientId: "P1" }));
  tmp.write("archive/000002/c.dcm", await tinyDicom({ seed: 3, patientId: "P2" }));
  outsideFile = tmp.write("outside/secret.dcm", await tinyDicom({ seed: 4, patientId: "OUT" }));
  mkdirSync(join(root, "000003"));
  symlinkSync("../000001/a.dcm", join(root, "000003", "1-same.dcm"));
  symlinkSync("nowhere.dcm", join(root, "000003", "2-dangling.dcm"));
  symlinkSync("3-loop-b.dcm", join(root, "000003", "3-loop-a.dcm"));
  symlinkSync("3-loop-a.dcm", join(root, "000003", "3-loop-b.dcm"));
  Bun.spawnSync(["mkfifo", join(root, "000003", "4-fifo.dcm")]);
  tmp.write("archive/000003/5-real.dcm", await tinyDicom({ seed: 5, patientId: "P3" }));
  // Accession folders that are links: to the root itself, to its parent, to another accession.
  symlinkSync(".", join(root, "000777"));
  symlinkSync("..", join(root, "000778"));
  symlinkSync("000002", join(root, "000779"));
});

afterAll(() => tmp.cleanup());

const csvOf = (name: string, rows: string[]) => tmp.write(name, `AccessionNumber,Classification,ClassificationDate\n${rows.join("\n")}\n`);

async function usageFailure(run: () => Promise<unknown>): Promise<TaskError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error("expected a usage error");
}

describe("symbolic links and special files under --dicom-root", () => {
  test("auditArchive refuses an accession folder linking to the root itself (it would swallow the whole archive)", async () => {
    const csv = csvOf("root-link.csv", ["000001,2,d", "000777,3,d"]);
    const err = await usageFailure(() => auditArchive({ csv, dicomRoot: root, cacheDir: null }));
    expect(err.code).toBe("path_escape");
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${csv} row 3: ${join(root, "000777")} resolves to the DICOM root itself`);
  });

  test("auditArchive and loadDataset refuse an accession folder linking outside the root, naming it and where it leads", async () => {
    const csv = csvOf("parent-link.csv", ["000001,2,d", "000778,3,d"]);
    for (const run of [() => auditArchive({ csv, dicomRoot: root, cacheDir: null }), () => loadDataset({ csv, dicomRoot: root, cacheDir: null })]) {
      const err = await usageFailure(run);
      expect(err.code).toBe("path_escape");
      expect(err.message).toContain(`${csv} row 3: ${join(root, "000778")} resolves to ${tmp.dir}, outside the DICOM root ${root}`);
    }
  });

  test("loadDataset refuses a file link in a path CSV that leads outside the root", async () => {
    symlinkSync(outsideFile, join(root, "000002", "escape.dcm"));
    try {
      const csv = tmp.write("paths.csv", "image_path,label\n000001/a.dcm,A\n000002/escape.dcm,B\n");
      const err = await usageFailure(() => loadDataset({ csv, dicomRoot: root, cacheDir: null }));
      expect(err.code).toBe("path_escape");
      expect(err.message).toContain(`${csv} row 3: ${join(root, "000002", "escape.dcm")} resolves to ${outsideFile}, outside the DICOM root`);
    } finally {
      unlinkSync(join(root, "000002", "escape.dcm"));
    }
  });

  test("auditArchive lists dangling links, link loops and FIFOs named .dcm as unreadable with their reason, and counts a linked file once", async () => {
    const csv = csvOf("specials.csv", ["000001,2,d", "000002,3,d", "000003,4,d"]);
    const report = await auditArchive({ csv, dicomRoot: root, cacheDir: null });
    expect(report.files.map((f) => [f.path, f.readable, f.reason])).toEqual([
      ["000001/a.dcm", true, null],
      ["000001/b.dcm", true, null],
      ["000002/c.dcm", true, null],
      ["000003/2-dangling.dcm", false, "broken_link"],
      ["000003/3-loop-a.dcm", false, "link_loop"],
      ["000003/3-loop-b.dcm", false, "link_loop"],
      ["000003/4-fifo.dcm", false, "not_a_file"],
      ["000003/5-real.dcm", true, null],
    ]);
    const row = report.rows.find((r) => r.accession === "000003");
    expect(row).toMatchObject({ dicomCount: 5, readableCount: 1, unreadableCount: 4 });
    expect(row?.notes).toContain("counted once: 000003/1-same.dcm is 000001/a.dcm");
    expect(report.totalDicomFiles).toBe(8);
  });

  test("loadDataset({views: 'all'}) counts a file reached through two links once and reports the special files", async () => {
    const csv = csvOf("specials-load.csv", ["000001,2,d", "000003,4,d", "000779,1,d", "000002,3,d"]);
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all", cacheDir: null });
    expect(ds.samples.map((s) => [s.accession, s.imagePath.slice(root.length + 1)])).toEqual([
      ["000001", "000001/a.dcm"],
      ["000001", "000001/b.dcm"],
      ["000003", "000003/5-real.dcm"],
      // 000779 -> 000002: the files are 000002's; the first row reaching them (000779) keeps them.
      ["000779", "000779/c.dcm"],
    ]);
    expect(ds.unreadable.map((u) => u.reason)).toEqual(["broken_link", "link_loop", "link_loop", "not_a_file"]);
    expect(ds.skipped.linkedFiles).toBe(2);
    expect(ds.missing).toEqual([{ row: 5, accession: "000002", path: "000002", why: "no DICOM files" }]);
  });
});
