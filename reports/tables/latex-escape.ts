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

/**
 * Letters and signs beyond ASCII that LaTeX spells with a command, so they set in any font
 * encoding (the default OT1 included) without relying on the input encoding's tables.
 */
const LETTERS: Record<string, string> = {
  ß: "\\ss{}", æ: "\\ae{}", Æ: "\\AE{}", œ: "\\oe{}", Œ: "\\OE{}", ø: "\\o{}", Ø: "\\O{}", å: "\\aa{}", Å: "\\AA{}",
  ł: "\\l{}", Ł: "\\L{}", ı: "\\i{}", "½": "\\textonehalf{}", "¼": "\\textonequarter{}", "¾": "\\textthreequarters{}",
  "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": "\\ldots{}", "°": "\\ensuremath{^\\circ}",
  "µ": "\\ensuremath{\\mu}", "·": "\\ensuremath{\\cdot}", "÷": "\\ensuremath{\\div}", "§": "\\S{}", "¶": "\\P{}",
  "©": "\\copyright{}", "£": "\\pounds{}", "€": "EUR", "¿": "?`", "¡": "!`", "«": "<<", "»": ">>", "\u00a0": "~",
  α: "\\ensuremath{\\alpha}", β: "\\ensuremath{\\beta}", γ: "\\ensuremath{\\gamma}", δ: "\\ensuremath{\\delta}", ε: "\\ensuremath{\\epsilon}",
  λ: "\\ensuremath{\\lambda}", μ: "\\ensuremath{\\mu}", π: "\\ensuremath{\\pi}", ρ: "\\ensuremath{\\rho}", τ: "\\ensuremath{\\tau}",
  η: "\\ensuremath{\\eta}", θ: "\\ensuremath{\\theta}", ω: "\\ensuremath{\\omega}", χ: "\\ensuremath{\\chi}", "²": "\\ensuremath{^2}", "³": "\\ensuremath{^3}",
};

/** Combining accents (after NFD) and the LaTeX accent command each one becomes. */
const ACCENTS: Record<string, string> = {
  "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=", "\u0306": "\\u", "\u0307": "\\.",
  "\u0308": '\\"', "\u030a": "\\r", "\u030b": "\\H", "\u030c": "\\v", "\u0327": "\\c", "\u0323": "\\d", "\u0331": "\\b",
};

/**
 * A character pdflatex has no glyph for (`∑`, an emoji, CJK): its code point in brackets, so
 * the name stays recognisable and the document compiles (a line may break after it).
 */
const placeholder = (c: string) => `[U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}]\\allowbreak{}`;

/** One non-ASCII character (a code point, perhaps followed by combining accents) in LaTeX. */
function nonAscii(c: string): string {
  const known = REPLACEMENTS[c] ?? LETTERS[c];
  if (known !== undefined) return known;
  const [base, ...marks] = [...c.normalize("NFD")];
  if (base !== undefined && base.charCodeAt(0) < 128 && marks.length > 0 && marks.every((m) => ACCENTS[m] !== undefined)) {
    // é → \'{e}; ǘ → \'{\"{u}}; i and j lose their dot under an accent (\i, \j).
    const inner = base === "i" ? "\\i" : base === "j" ? "\\j" : base;
    return marks.reduce((acc, m) => `${ACCENTS[m]}{${acc}}`, inner);
  }
  return placeholder(c);
}

const SPECIAL = /[\\{}#$%&_~^<>]|[A-Za-z][\u0300-\u036f]+|[^\x00-\x7f][\u0300-\u036f]*/gu;

/**
 * Escapes text (names, paths, CSV values, generated captions) for LaTeX text mode, in one pass
 * so that the backslashes the escapes add are never escaped again. Beyond ASCII, accented
 * letters become accent commands (é → \\'{e}), known letters and signs their commands (ß, ½,
 * Greek), and anything pdflatex cannot set (∑, emoji) its code point, `[U+2211]`: a run name
 * never stops the article from compiling.
 */
export function latexEscape(text: string): string {
  return text.normalize("NFC").replace(SPECIAL, (c) => REPLACEMENTS[c] ?? nonAscii(c));
}
