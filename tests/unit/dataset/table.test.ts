import { describe, expect, test } from "bun:test";
import { parseCsvText } from "../../../lib/dataset/index.ts";
import { labelTable } from "../../../lib/dataset/table.ts";
import { TaskError } from "../../../lib/errors/index.ts";

const table = (text: string, format: Parameters<typeof labelTable>[1] = "auto", file = "labels.csv") => labelTable(parseCsvText(text, file), format);

/** The fields a reader checks by hand: row, accession, label, patient, view, laterality, target. */
const summary = (text: string, format: Parameters<typeof labelTable>[1] = "auto") => {
  const t = table(text, format);
  return {
    format: t.format,
    entries: t.entries.map((e) => [e.row, e.accession, e.label, e.patientId, e.viewPosition, e.laterality, e.target.kind === "dir" ? e.target.dir : e.target.file]),
  };
};

describe("labelTable (format detection and row reading)", () => {
  test("labelTable reads classificacao.csv: accession kept with its zeros, class 5 kept for the caller to filter", () => {
    expect(summary("AccessionNumber,Classification,ClassificationDate\n000123,3,2020-01-02\n45,5,2020-01-03\n")).toEqual({
      format: "classificacao",
      entries: [
        [2, "000123", 3, null, null, null, "000123"],
        [3, "45", 5, null, null, null, "45"],
      ],
    });
  });

  test("labelTable gives classificacao accessions that lost their zeros a 6-digit fallback folder, like upstream's zfill(6)", () => {
    const [entry] = table("AccessionNumber,Classification\n123,2\n").entries;
    expect(entry?.target).toEqual({ kind: "dir", dir: "123", padded: "000123" });
  });

  test("labelTable reads a path-based CSV with letters, taking the first label column in upstream order", () => {
    expect(summary("image_path,professional_label,density_label,patient_id\na/1.dcm,D,A,P7\nb/2.dcm,B,c,\n")).toEqual({
      format: "paths",
      entries: [
        [2, "a/1.dcm", 1, "P7", null, null, "a/1.dcm"],
        [3, "b/2.dcm", 3, null, null, null, "b/2.dcm"],
      ],
    });
  });

  test("labelTable reads a 0-based numeric label column (it holds a 0) as 0–3 → 1–4", () => {
    const t = table("image_path,y\na.dcm,0\nb.dcm,3\nc.dcm,1\n");
    expect(t.entries.map((e) => e.label)).toEqual([1, 4, 2]);
  });

  test("labelTable reads a numeric label column holding a 4 as 1–4", () => {
    const t = table("image_path,label\na.dcm,1\nb.dcm,4\nc.dcm,2\n");
    expect(t.entries.map((e) => e.label)).toEqual([1, 4, 2]);
  });

  test("labelTable refuses a column holding both a 0 and a 4: no single coding has both", () => {
    expect(() => table("image_path,label\na.dcm,0\nb.dcm,4\n")).toThrow("labels.csv: column label holds 1 label(s) 0 (only a 0-based column has one) and a 4 (only a 1-based column has one)");
  });

  test("labelTable reads a CBIS-DDSM description CSV (mass spelling breast_density, TCIA fallback folder)", () => {
    const csv =
      "patient_id,breast_density,left or right breast,image view,abnormality id,image file path\n" +
      "P_00001,3,LEFT,CC,1,Mass-Training_P_00001_LEFT_CC/1.3.6.1/1.3.6.2/000000.dcm\n" +
      'P_00004,2,RIGHT,MLO,1,"Mass-Training_P_00004_RIGHT_MLO/1.3.6.5/1.3.6.6/000000.dcm\n"\n';
    expect(summary(csv)).toEqual({
      format: "cbis-ddsm",
      entries: [
        [2, "Mass-Training_P_00001_LEFT_CC", 3, "P_00001", "CC", "LEFT", "Mass-Training_P_00001_LEFT_CC/1.3.6.1/1.3.6.2/000000.dcm"],
        [3, "Mass-Training_P_00004_RIGHT_MLO", 2, "P_00004", "MLO", "RIGHT", "Mass-Training_P_00004_RIGHT_MLO/1.3.6.5/1.3.6.6/000000.dcm"],
      ],
    });
    const [first] = table(csv).entries;
    expect(first?.target).toMatchObject({ fallbackDir: "Mass-Training_P_00001_LEFT_CC" });
  });

  test("labelTable reads the CBIS-DDSM calcification spelling `breast density`", () => {
    const t = table("patient_id,breast density,left or right breast,image view,image file path\nP_00005,4,RIGHT,CC,Calc-Training_P_00005_RIGHT_CC/a/b/000000.dcm\n");
    expect([t.format, t.entries[0]?.label]).toEqual(["cbis-ddsm", 4]);
  });

  test("labelTable reads VinDr-Mammo breast-level annotations: images at <study_id>/<image_id>.dicom", () => {
    const csv =
      "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,breast_density,split\n" +
      "s1,se1,i1,L,CC,3518,2800,BI-RADS 1,DENSITY C,training\n" +
      "s1,se1,i2,R,MLO,3518,2800,BI-RADS 2,DENSITY B,test\n";
    expect(summary(csv)).toEqual({
      format: "vindr",
      entries: [
        [2, "s1", 3, null, "CC", "L", "s1/i1.dicom"],
        [3, "s1", 2, null, "MLO", "R", "s1/i2.dicom"],
      ],
    });
  });

  test("labelTable reads RSNA train.csv: images at <patient_id>/<image_id>.dcm, empty density skipped and counted", () => {
    const csv =
      "site_id,patient_id,image_id,laterality,view,age,cancer,biopsy,invasive,BIRADS,implant,density,machine_id,difficult_negative_case\n" +
      "2,10006,462822612,L,CC,61,0,0,0,,0,A,29,False\n" +
      "2,10006,1459541791,L,MLO,61,0,0,0,,0,,29,False\n" +
      "2,10011,220375232,R,CC,55,0,0,0,0,0,D,21,True\n";
    const t = table(csv);
    expect(summary(csv)).toEqual({
      format: "rsna",
      entries: [
        [2, "10006", 1, "10006", "CC", "L", "10006/462822612.dcm"],
        [4, "10011", 4, "10011", "CC", "R", "10011/220375232.dcm"],
      ],
    });
    expect(t.emptyLabelRows).toEqual([3]);
    expect(t.csvRows).toBe(3);
  });

  test("labelTable uses a forced format even when auto would pick another", () => {
    // Has both image_path and AccessionNumber/Classification: auto picks classificacao.
    const text = "AccessionNumber,Classification,image_path,label\n1,2,x/a.dcm,C\n";
    expect(table(text).format).toBe("classificacao");
    expect(table(text, "paths").entries[0]?.label).toBe(3);
  });
});

describe("labelTable errors name the file, the row and the value", () => {
  const cases: { name: string; text: string; format?: Parameters<typeof labelTable>[1]; message: string; code: string }[] = [
    { name: "unknown classification", text: "AccessionNumber,Classification\n1,2\n2,7\n", message: 'labels.csv row 3: unknown label in Classification: "7" (expected 1–5)', code: "unknown_label" },
    { name: "unknown letter", text: "image_path,label\na.dcm,E\n", message: 'labels.csv row 2: unknown label in label: "E"', code: "unknown_label" },
    { name: "unknown VinDr density", text: "study_id,image_id,breast_density\ns,i,DENSITY E\n", message: 'labels.csv row 2: unknown label in breast_density: "DENSITY E"', code: "unknown_label" },
    { name: "CBIS density 0", text: "patient_id,breast_density,image file path\nP,0,a/b.dcm\n", message: 'labels.csv row 2: unknown label in breast_density: "0" (expected 1–4)', code: "unknown_label" },
    {
      name: "conflicting duplicate accession",
      text: "AccessionNumber,Classification\n000123,2\n000124,1\n000123,3\n",
      message: 'labels.csv row 4: accession "000123" has label 3, but row 2 gave it label 2',
      code: "conflicting_labels",
    },
    {
      name: "conflicting duplicate after zero padding",
      text: "AccessionNumber,Classification\n000123,2\n123,4\n",
      message: 'labels.csv row 3: accession "123" has label 4, but row 2 gave it label 2',
      code: "conflicting_labels",
    },
    { name: "conflicting duplicate image", text: "image_path,label\na/x.dcm,A\n./a/x.dcm,B\n", message: 'labels.csv row 3: image "./a/x.dcm" has label 2, but row 2 gave it label 1', code: "conflicting_labels" },
    { name: "empty accession", text: "AccessionNumber,Classification\n,2\n", message: "labels.csv row 2: empty AccessionNumber", code: "bad_csv_row" },
    {
      name: "missing column for a forced format",
      text: "AccessionNumber,Label\n1,2\n",
      format: "classificacao",
      message: "labels.csv: missing required column Classification for format classificacao (columns found: AccessionNumber, Label)",
      code: "missing_column",
    },
    { name: "unrecognised header", text: "foo,bar\n1,2\n", message: "labels.csv: cannot tell the dataset format from the header (columns found: foo, bar;", code: "missing_column" },
  ];
  for (const c of cases) {
    test(`labelTable rejects ${c.name}`, () => {
      let caught: unknown;
      try {
        table(c.text, c.format ?? "auto");
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TaskError);
      expect((caught as TaskError).message).toContain(c.message);
      expect((caught as TaskError).code).toBe(c.code);
      expect((caught as TaskError).exitCode).toBe(2);
    });
  }

  test("labelTable merges a duplicate with the same label and says so", () => {
    const t = table("AccessionNumber,Classification\n000123,2\n000123,2\n");
    expect(t.entries.length).toBe(1);
    expect(t.duplicates).toEqual(['labels.csv row 3: duplicate of row 2 (accession "000123", label 2), merged']);
  });
});

describe("labelTable normalises accession spellings before the duplicate check", () => {
  for (const spelling of ["./000023", "000023/", "000023/./", "./000023/"]) {
    test(`labelTable refuses 000023,2 then ${spelling},4: the same exam with two labels`, () => {
      expect(() => table(`AccessionNumber,Classification\n000023,2\n${spelling},4\n`)).toThrow(`labels.csv row 3: accession "000023" has label 4, but row 2 gave it label 2`);
    });
    test(`labelTable reads ${spelling} as the folder 000023`, () => {
      expect(table(`AccessionNumber,Classification\n${spelling},2\n`).entries[0]?.target).toEqual({ kind: "dir", dir: "000023", padded: null });
    });
  }
  for (const bad of ["000023/000024", "../000023", "..", ".", "/000023"]) {
    test(`labelTable refuses the accession ${JSON.stringify(bad)}, which is not one folder name`, () => {
      let caught: unknown;
      try {
        table(`AccessionNumber,Classification\n${bad},2\n`);
      } catch (err) {
        caught = err;
      }
      expect((caught as TaskError).code).toBe("bad_accession");
      expect((caught as TaskError).message).toContain(`labels.csv row 2: AccessionNumber "${bad}" is not a folder name`);
    });
  }
});

describe("labelTable(table, format, labelCoding)", () => {
  // The case: a 0–3 column whose class A is absent reads as 1–4 unless told.
  const ambiguous = "image_path,label\na.dcm,1\nb.dcm,2\nc.dcm,2\nd.dcm,3\n";

  test("labelTable refuses numbers only in 1–3 under auto, naming --label-coding and the counts", () => {
    let caught: unknown;
    try {
      table(ambiguous);
    } catch (err) {
      caught = err;
    }
    expect((caught as TaskError).code).toBe("ambiguous_labels");
    expect((caught as TaskError).exitCode).toBe(2);
    expect((caught as TaskError).message).toBe(
      "labels.csv: the numbers in column label are all 1, 2 or 3 (1: 1, 2: 2, 3: 1 rows), which are B–D if the column counts from 0 and A–C if it counts from 1: pass --label-coding 0-3 or --label-coding 1-4",
    );
  });

  test("labelTable(…, '0-3') reads 1, 2, 3 as B, C, D; (…, '1-4') as A, B, C", () => {
    expect(labelTable(parseCsvText(ambiguous, "labels.csv"), "auto", "0-3").entries.map((e) => e.label)).toEqual([2, 3, 3, 4]);
    expect(labelTable(parseCsvText(ambiguous, "labels.csv"), "auto", "1-4").entries.map((e) => e.label)).toEqual([1, 2, 2, 3]);
  });

  test("labelTable(…, '0-3') refuses a 4 and (…, 'A-D') a number, naming the coding asked for", () => {
    expect(() => labelTable(parseCsvText("image_path,label\na.dcm,0\nb.dcm,4\n", "labels.csv"), "auto", "0-3")).toThrow('labels.csv row 3: unknown label in label: "4" (expected 0–3, as --label-coding 0-3 says)');
    expect(() => labelTable(parseCsvText("image_path,label\na.dcm,B\nb.dcm,2\n", "labels.csv"), "auto", "A-D")).toThrow('labels.csv row 3: unknown label in label: "2" (expected A–D, as --label-coding A-D says)');
  });

  test("labelTable under auto still reads a column with a 0 as 0–3 and letters as A–D", () => {
    expect(table("image_path,label\na.dcm,0\nb.dcm,3\n").entries.map((e) => e.label)).toEqual([1, 4]);
    expect(table("image_path,label\na.dcm,B\nb.dcm,d\n").entries.map((e) => e.label)).toEqual([2, 4]);
  });

  test("labelTable refuses a coding that contradicts the format's own (classificacao is 1–5 by definition)", () => {
    expect(() => labelTable(parseCsvText("AccessionNumber,Classification\n1,2\n", "labels.csv"), "auto", "0-3")).toThrow(
      "invalid --label-coding: 0-3 (labels.csv is a classificacao CSV, whose labels are 1–5 (A–D, 5 non-standard) by definition; leave --label-coding at auto)",
    );
    expect(labelTable(parseCsvText("AccessionNumber,Classification\n1,2\n", "labels.csv"), "auto", "1-4").entries[0]?.label).toBe(2);
  });
});
