import { describe, expect, test } from "bun:test";
import { latexEscape } from "../../../reports/tables/latex-escape.ts";

describe("latexEscape", () => {
  const cases: [string, string][] = [
    ["#", "\\#"],
    ["$", "\\$"],
    ["%", "\\%"],
    ["&", "\\&"],
    ["_", "\\_"],
    ["{", "\\{"],
    ["}", "\\}"],
    ["~", "\\textasciitilde{}"],
    ["^", "\\textasciicircum{}"],
    ["\\", "\\textbackslash{}"],
    ["<", "\\ensuremath{<}"],
    [">", "\\ensuremath{>}"],
    ["±", "\\ensuremath{\\pm}"],
    ["σ", "\\ensuremath{\\sigma}"],
    ["κ", "\\ensuremath{\\kappa}"],
    ["results_4", "results\\_4"],
    ["plain text, 0.676 (A-B)", "plain text, 0.676 (A-B)"],
    ["façade", "fa\\c{c}ade"],
    ["résumé", "r\\'{e}sum\\'{e}"],
    ["naïve", 'na\\"{\\i}ve'],
    ["Łódź", "\\L{}\\'{o}d\\'{z}"],
    ["½", "\\textonehalf{}"],
    ["∑", "[U+2211]\\allowbreak{}"],
    ["🚀", "[U+1F680]\\allowbreak{}"],
    ["日本", "[U+65E5]\\allowbreak{}[U+672C]\\allowbreak{}"],
    ["x\u0301", "\\'{x}"],
  ];
  for (const [input, output] of cases) {
    test(`latexEscape(${JSON.stringify(input)}) is ${JSON.stringify(output)}`, () => {
      expect(latexEscape(input)).toBe(output);
    });
  }
  test("latexEscape escapes in one pass: the backslash of \\{ is not escaped again", () => {
    expect(latexEscape("\\{}")).toBe("\\textbackslash{}\\{\\}");
    expect(latexEscape("a\\b_c")).toBe("a\\textbackslash{}b\\_c");
  });
  test("latexEscape of every special character at once", () => {
    expect(latexEscape("50%_a&b#{x}~^\\<>$")).toBe("50\\%\\_a\\&b\\#\\{x\\}\\textasciitilde{}\\textasciicircum{}\\textbackslash{}\\ensuremath{<}\\ensuremath{>}\\$");
  });
});
