import type { Cell, TableModel } from "../tables/model.ts";
import { escapeHtml } from "./escape.ts";

/** A block of the notebook: what a notebook cell would output. Text fields are plain (escaped here). */
export type Block =
  | { kind: "figure"; id: string; /** Standalone SVG made by reports/figures (inlined as is). */ svg: string; caption: string; note: string; source: string }
  | { kind: "table"; table: TableModel; note: string; source: string }
  | { kind: "facts"; title: string; facts: readonly (readonly [string, string])[] }
  | { kind: "grid"; title: string; header: readonly string[]; rows: readonly (readonly string[])[]; note: string }
  /** A table the reader can sort by clicking a header (numbers numerically, dashes last). */
  | { kind: "sortable"; id: string; title: string; header: readonly string[]; rows: readonly (readonly (string | number | null)[])[]; note: string };

export interface NotebookSection {
  id: string;
  title: string;
  blocks: Block[];
}

/** The whole report page. */
export interface NotebookPage {
  title: string;
  /** Facts shown first: commit, data fingerprint, seeds, backend, … */
  provenance: readonly (readonly [string, string])[];
  /** Commands that rebuild everything shown, in order. */
  commands: readonly string[];
  sections: NotebookSection[];
}

const CSS = `
:root { color: #222; background: #fff; font: 15px/1.5 "DejaVu Sans", system-ui, sans-serif; }
body { margin: 0; }
main { max-width: 920px; margin: 0 auto; padding: 24px 16px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.cell { border-left: 3px solid #4e79a7; background: #fafbfc; margin: 14px 0; padding: 10px 14px; }
.src { font: 12px/1.4 "DejaVu Sans Mono", monospace; color: #666; margin-bottom: 6px; overflow-wrap: anywhere; }
.note { margin: 8px 0 0; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; background: #fff; }
figcaption { font-size: 13px; color: #444; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
caption { caption-side: bottom; text-align: left; font-size: 12px; color: #555; padding-top: 4px; }
table.sortable th { cursor: pointer; }
th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #888; }
tbody + tbody { border-top: 2px solid #888; }
table.facts td, table.facts th { text-align: left; }
code, pre { font: 12px/1.5 "DejaVu Sans Mono", monospace; }
pre { background: #f3f3f3; padding: 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
`;

const cell = (c: Cell, tag: "td" | "th") => `<${tag}>${c.bold ? `<strong>${escapeHtml(c.text)}</strong>` : escapeHtml(c.text)}</${tag}>`;

/** A table model as an HTML table (the same cells as the LaTeX file, bold included). */
export function tableToHtml(table: TableModel): string {
  const head = `<thead><tr>${table.header.map((c) => cell(c, "th")).join("")}</tr></thead>`;
  const bodies = table.groups.map((g) => `<tbody>${g.map((row) => `<tr>${row.map((c) => cell(c, "td")).join("")}</tr>`).join("")}</tbody>`).join("");
  return `<table id="${escapeHtml(table.name)}">${head}${bodies}<caption>${escapeHtml(table.caption.text)}</caption></table>`;
}

/**
 * The page's only script: sorts a `table.sortable` by the clicked header (again: reverse). It
 * is allowed by its SHA-256 in the Content-Security-Policy, so nothing else can run.
 */
const SORT_SCRIPT = `document.querySelectorAll("table.sortable th").forEach((th, i) => th.addEventListener("click", () => {
  const body = th.closest("table").tBodies[0];
  const dir = th.dataset.dir === "asc" ? -1 : 1;
  th.closest("tr").querySelectorAll("th").forEach((h) => delete h.dataset.dir);
  th.dataset.dir = dir === 1 ? "asc" : "desc";
  const key = (tr) => { const td = tr.cells[i]; return td.dataset.v === undefined ? td.textContent : Number(td.dataset.v); };
  [...body.rows].sort((a, b) => { const x = key(a), y = key(b); if (x === "–" || y === "–") return x === y ? 0 : x === "–" ? 1 : -1; return (x < y ? -1 : x > y ? 1 : 0) * dir; }).forEach((tr) => body.append(tr));
}));`;
const SORT_SCRIPT_HASH = new Bun.CryptoHasher("sha256").update(SORT_SCRIPT).digest("base64");

const sortableCell = (v: string | number | null) =>
  v === null ? "<td>–</td>" : typeof v === "number" ? `<td data-v="${v}">${escapeHtml(Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))))}</td>` : `<td>${escapeHtml(v)}</td>`;

function block(b: Block): string {
  switch (b.kind) {
    case "sortable":
      return (
        `<h3>${escapeHtml(b.title)}</h3>` +
        `<table class="sortable" id="${escapeHtml(b.id)}"><thead><tr>${b.header.map((h) => `<th title="sort">${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${b.rows
          .map((r) => `<tr>${r.map(sortableCell).join("")}</tr>`)
          .join("")}</tbody><caption>${escapeHtml(b.note)}</caption></table>`
      );
    case "figure":
      return `<div class="cell"><div class="src">${escapeHtml(b.source)}</div><figure id="${escapeHtml(b.id)}">${b.svg.trim()}<figcaption>${escapeHtml(b.caption)}</figcaption></figure><p class="note">${escapeHtml(b.note)}</p></div>`;
    case "table":
      return `<div class="cell"><div class="src">${escapeHtml(b.source)}</div>${tableToHtml(b.table)}<p class="note">${escapeHtml(b.note)}</p></div>`;
    case "facts":
      return `<h3>${escapeHtml(b.title)}</h3><table class="facts"><tbody>${b.facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</tbody></table>`;
    case "grid":
      return (
        `<h3>${escapeHtml(b.title)}</h3>` +
        (b.rows.length === 0
          ? `<p>${escapeHtml(b.note)}</p>`
          : `<table><thead><tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${b.rows
              .map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`)
              .join("")}</tbody><caption>${escapeHtml(b.note)}</caption></table>`)
      );
  }
}

/**
 * The self-contained report: inline CSS and SVG, images as `data:` URIs inside the SVGs, one
 * inline script (table sorting, pinned by its hash) when a sortable table is shown, and a
 * Content-Security-Policy that forbids every network fetch.
 */
export function renderPage(page: NotebookPage): string {
  const hasSortable = page.sections.some((s) => s.blocks.some((b) => b.kind === "sortable"));
  const parts = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'${hasSortable ? `; script-src 'sha256-${SORT_SCRIPT_HASH}'` : ""}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body><main>",
    `<h1>${escapeHtml(page.title)}</h1>`,
    '<section id="provenance"><h2>Provenance</h2>',
    `<table class="facts"><tbody>${page.provenance.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</tbody></table>`,
    "<h3>Rebuild</h3>",
    `<pre>${page.commands.map(escapeHtml).join("\n")}</pre>`,
    "</section>",
    ...page.sections.map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(block).join("\n")}</section>`),
    "</main>",
    ...(hasSortable ? [`<script>${SORT_SCRIPT}</script>`] : []),
    "</body>",
    "</html>",
  ];
  return `${parts.join("\n")}\n`;
}
