import { describe, expect, test } from "bun:test";
import { detectDelimiter, parseCsvText } from "../../../lib/dataset/index.ts";

describe("parseCsvText", () => {
  const cases: { name: string; text: string; columns: string[]; rows: [number, Record<string, string>][] }[] = [
    {
      name: "plain comma CSV",
      text: "AccessionNumber,Classification\n000123,3\n",
      columns: ["AccessionNumber", "Classification"],
      rows: [[2, { AccessionNumber: "000123", Classification: "3" }]],
    },
    {
      name: "UTF-8 BOM before the header",
      text: "\uFEFFAccessionNumber,Classification\n7,1\n",
      columns: ["AccessionNumber", "Classification"],
      rows: [[2, { AccessionNumber: "7", Classification: "1" }]],
    },
    {
      name: "semicolon separator (decimal-comma locales)",
      text: "AccessionNumber;Classification;ClassificationDate\n000045;2;01/02/2020\n",
      columns: ["AccessionNumber", "Classification", "ClassificationDate"],
      rows: [[2, { AccessionNumber: "000045", Classification: "2", ClassificationDate: "01/02/2020" }]],
    },
    {
      name: "CRLF line ends",
      text: "a,b\r\n1,2\r\n3,4\r\n",
      columns: ["a", "b"],
      rows: [
        [2, { a: "1", b: "2" }],
        [3, { a: "3", b: "4" }],
      ],
    },
    {
      name: "quoted fields with separator, quote and newline inside",
      text: 'image_path,label,note\n"dir,1/x.dcm",B,"say ""hi""\nsecond line"\nz.dcm,C,plain\n',
      columns: ["image_path", "label", "note"],
      rows: [
        [2, { image_path: "dir,1/x.dcm", label: "B", note: 'say "hi"\nsecond line' }],
        [4, { image_path: "z.dcm", label: "C", note: "plain" }],
      ],
    },
    {
      name: "blank and whitespace-only lines skipped, line numbers kept",
      text: "a,b\n\n1,2\n   \n\n3,4",
      columns: ["a", "b"],
      rows: [
        [3, { a: "1", b: "2" }],
        [6, { a: "3", b: "4" }],
      ],
    },
    {
      name: "leading zeros stay (values are strings)",
      text: "AccessionNumber,Classification\n000123,4\n0001,2\n",
      columns: ["AccessionNumber", "Classification"],
      rows: [
        [2, { AccessionNumber: "000123", Classification: "4" }],
        [3, { AccessionNumber: "0001", Classification: "2" }],
      ],
    },
    {
      name: "header names and fields trimmed",
      text: " a , b \n 1 ,2 \n",
      columns: ["a", "b"],
      rows: [[2, { a: "1", b: "2" }]],
    },
  ];
  for (const c of cases) {
    test(`parseCsvText reads ${c.name}`, () => {
      const table = parseCsvText(c.text, "t.csv");
      expect(table.columns).toEqual(c.columns);
      expect(table.rows.map((r) => [r.line, r.values])).toEqual(c.rows);
    });
  }

  test("parseCsvText rejects a row with more fields than the header, naming file and row", () => {
    expect(() => parseCsvText("a,b\n1,2\n1,2,3\n", "labels.csv")).toThrow("labels.csv row 3: 3 fields, the header has 2");
  });

  test("parseCsvText rejects an empty file and a repeated column", () => {
    expect(() => parseCsvText("\n\n", "e.csv")).toThrow("e.csv: empty CSV");
    expect(() => parseCsvText("a,a\n1,2\n", "d.csv")).toThrow('d.csv: column "a" appears twice');
  });
});

describe("detectDelimiter", () => {
  const cases: [string, string][] = [
    ["a,b,c", ","],
    ["a;b;c", ";"],
    ["a\tb\tc", "\t"],
    ['"x;y",b,c', ","],
    ["single", ","],
  ];
  for (const [header, expected] of cases) {
    test(`detectDelimiter(${JSON.stringify(header)}) is ${JSON.stringify(expected)}`, () => {
      expect(detectDelimiter(header)).toBe(expected);
    });
  }
});
