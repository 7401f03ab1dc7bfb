/**
 * LaTeX for each character that text mode does not print as itself. `<` and `>` go through math
 * mode because in the default OT1 encoding they print as ¡ and ¿ (`\textless` would need T1
 * fonts); the few Greek letters and symbols the report writes itself become math too, because
 * pdflatex's UTF-8 input does not know them and stops.
 */
const REPLACEMENTS: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "{": "\\{",
  "}": "\\}",
  "#": "\\#",
  $: "\\$",
  "%": "\\%",
  "&": "\\&",
  _: "\\_",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
  "<": "\\ensuremath{<}",
  ">": "\\ensuremath{>}",
  "±": "\\ensuremath{\\pm}",
  "σ": "\\ensuremath{\\sigma}",
  "κ": "\\ensuremath{\\kappa}",
  "Δ": "\\ensuremath{\\Delta}",
  "−": "\\ensuremath{-}",
  "→": "\\ensuremath{\\to}",
  "×": "\\ensuremath{\\times}",
  "≤": "\\ensuremath{\\le}",
  "≥": "\\ensuremath{\\ge}",
};

const SPECIAL = /[\\{}#$%&_~^<>±σκΔ−→×≤≥]/g;

/**
 * Escapes text (names, paths, CSV values, generated captions) for LaTeX text mode, in one pass
 * so that the backslashes the escapes add are never escaped again.
 */
export function latexEscape(text: string): string {
  return text.replace(SPECIAL, (c) => REPLACEMENTS[c] as string);
}
