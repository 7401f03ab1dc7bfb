import { describe, expect, test } from "bun:test";
import { comparePaths, insideRoot, isDicomName, listDicomFiles } from "../../../lib/dataset/files.ts";
import { cacheKey } from "../../../lib/dataset/index.ts";
import { tempDir } from "./fixtures.ts";

describe("insideRoot", () => {
  const root = "/data/archive";
  const accepted: [string, string][] = [
    ["000123", "/data/archive/000123"],
    ["a/../b/x.dcm", "/data/archive/b/x.dcm"],
    ["/data/archive/000123/x.dcm", "/data/archive/000123/x.dcm"],
  ];
  for (const [rel, joined] of accepted) {
    test(`insideRoot(root, ${JSON.stringify(rel)}) is ${joined}`, () => {
      expect(insideRoot(root, rel, "t.csv row 2")).toBe(joined);
    });
  }
  for (const rel of ["../../etc/passwd", "/etc/passwd", "..", "a/../../archive-other/x.dcm", "/data/archive-other/x.dcm", "."]) {
    test(`insideRoot(root, ${JSON.stringify(rel)}) is refused`, () => {
      expect(() => insideRoot(root, rel, "t.csv row 7")).toThrow(`t.csv row 7: path outside the DICOM root /data/archive: "${rel}"`);
    });
  }
});

describe("DICOM file listing", () => {
  test("comparePaths sorts by path segment like Python's sorted(Path), unlike a string sort", () => {
    const paths = ["a-b/x.dcm", "a/y.dcm", "a/b/z.dcm", "B/x.dcm"];
    expect([...paths].sort(comparePaths)).toEqual(["B/x.dcm", "a/b/z.dcm", "a/y.dcm", "a-b/x.dcm"]);
    expect([...paths].sort()).toEqual(["B/x.dcm", "a-b/x.dcm", "a/b/z.dcm", "a/y.dcm"]);
  });

  test("isDicomName accepts .dcm and .dicom in any case, not hidden files or other extensions", () => {
    expect(["a.dcm", "b.DCM", "c.dicom", "d.Dicom", "._e.dcm", ".f.dcm", "g.dcm.bak", "h.txt"].filter(isDicomName)).toEqual(["a.dcm", "b.DCM", "c.dicom", "d.Dicom"]);
  });

  test("listDicomFiles walks subfolders and returns DICOM files in comparePaths order", () => {
    const tmp = tempDir("list-");
    try {
      for (const rel of ["s-2/1.dcm", "s/2.dcm", "s/sub/1.dicom", "notes.txt", "0.dcm"]) tmp.write(rel, "x");
      expect(listDicomFiles(tmp.dir).map((p) => p.slice(tmp.dir.length + 1))).toEqual(["0.dcm", "s/2.dcm", "s/sub/1.dicom", "s-2/1.dcm"]);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("cacheKey", () => {
  const file = "f".repeat(64);
  test("cacheKey changes with the file hash, the image size and the window, and is stable otherwise", () => {
    const base = cacheKey(file, { imgSize: 512, window: "percentile" });
    expect(cacheKey(file, { imgSize: 512, window: "percentile" })).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [cacheKey("e".repeat(64), { imgSize: 512, window: "percentile" }), cacheKey(file, { imgSize: 256, window: "percentile" }), cacheKey(file, { imgSize: 512, window: "voi" })];
    expect(new Set([base, ...variants]).size).toBe(4);
  });
});
