import { JSDOM } from "jsdom";
import { THEME } from "./theme.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

let dom: JSDOM | undefined;

/** The jsdom document figures are built in (created once: a new JSDOM costs ~80 ms). */
export function svgDocument(): Document {
  dom ??= new JSDOM("<!DOCTYPE html><html><body></body></html>");
  return dom.window.document;
}

type Attrs = Record<string, string | number | undefined>;

/** An SVG element with attributes (undefined ones skipped) and children (strings become text). */
export function el(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): SVGElement {
  const doc = svgDocument();
  const node = doc.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  for (const c of children) node.append(typeof c === "string" ? doc.createTextNode(c) : c);
  return node;
}

/**
 * Moves a plot made by Observable Plot into a `<g>` at (x, y) of a composed figure. Plot's
 * `<style>` is dropped (its `:where()` rules would also hit the other panels when the figure is
 * inlined in HTML, and resvg ignores them); presentation attributes the panel relies on are kept.
 */
export function placePlot(plot: Element, x: number, y: number): SVGElement {
  const g = el("g", { transform: `translate(${x},${y})` });
  for (const name of ["fill", "text-anchor", "font-variant"]) {
    const v = plot.getAttribute(name);
    if (v !== null) g.setAttribute(name, v);
  }
  for (const child of [...plot.childNodes]) {
    if (child.nodeName.toLowerCase() !== "style") g.append(child);
  }
  return g;
}

/**
 * A composed figure: a root `<svg>` with the figure's font and a white background, and no title
 * (the caption says what the figure shows). (No `xmlns` attribute here: the element is in the
 * SVG namespace and the serialiser writes it.)
 */
export function figureRoot(width: number, height: number): SVGElement {
  return el(
    "svg",
    {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      "font-family": THEME.fontFamily,
      "font-size": THEME.fontSize,
      fill: THEME.ink,
      color: THEME.ink,
    },
    el("rect", { width, height, fill: "white" }),
  );
}

/** One panel of a composite: a figure's SVG and the label set above it (`(a) seed 42`). */
export interface CompositePanel {
  svg: string;
  label: string;
}

const PANEL_LABEL = 22;
const PANEL_GAP = 24;

/**
 * Figures side by side in one SVG (the seeds of one kind, as the article shows them): each panel
 * keeps its own drawing, moved right and labelled above. The panels' ids were prefixed with their
 * own figure name when they were serialised, so they stay unique side by side.
 */
export function compositeFigure(panels: readonly CompositePanel[], name: string): string {
  const sizes = panels.map((p) => {
    const open = /<svg\b[^>]*>/.exec(p.svg)?.[0] ?? "";
    return { width: Number(/\swidth="([0-9.]+)"/.exec(open)?.[1] ?? 0), height: Number(/\sheight="([0-9.]+)"/.exec(open)?.[1] ?? 0) };
  });
  const width = sizes.reduce((a, s) => a + s.width, 0) + PANEL_GAP * Math.max(0, panels.length - 1);
  const height = PANEL_LABEL + Math.max(0, ...sizes.map((s) => s.height));
  const parts: string[] = [];
  let x = 0;
  panels.forEach((p, i) => {
    const size = sizes[i] as { width: number; height: number };
    const inner = p.svg.replace(/^[\s\S]*?<svg\b[^>]*>/, "").replace(/<\/svg>\s*$/, "");
    parts.push(
      `<text x="${x + size.width / 2}" y="15" text-anchor="middle" font-weight="bold">${escapeXml(p.label)}</text>`,
      `<g transform="translate(${x},${PANEL_LABEL})">${inner}</g>`,
    );
    x += size.width + PANEL_GAP;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(THEME.fontFamily)}" font-size="${THEME.fontSize}" fill="${THEME.ink}" color="${THEME.ink}" data-name="${escapeXml(name)}"><rect width="${width}" height="${height}" fill="white"/>${parts.join("")}</svg>\n`;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A row of legend entries (a line, a dot, a cross, a colour swatch or a translucent band, then its label) from (x, y). */
export function legend(items: readonly { label: string; color: string; kind: "line" | "dashed" | "dot" | "cross" | "swatch" | "band" }[], x: number, y: number): SVGElement {
  const g = el("g", { transform: `translate(${x},${y})` });
  let at = 0;
  for (const item of items) {
    if (item.kind === "dot") g.append(el("circle", { cx: at + 9, cy: 0, r: 4, fill: item.color }));
    else if (item.kind === "cross") g.append(el("path", { d: `M${at + 5},-4L${at + 13},4M${at + 5},4L${at + 13},-4`, stroke: item.color, "stroke-width": 2 }));
    else if (item.kind === "swatch") g.append(el("rect", { x: at + 3, y: -6, width: 12, height: 12, fill: item.color }));
    else if (item.kind === "band") g.append(el("rect", { x: at, y: -5, width: 18, height: 10, fill: item.color, "fill-opacity": 0.35 }));
    else g.append(el("line", { x1: at, x2: at + 18, y1: 0, y2: 0, stroke: item.color, "stroke-width": 2, "stroke-dasharray": item.kind === "dashed" ? "4,3" : undefined }));
    g.append(el("text", { x: at + 23, y: 4, fill: THEME.ink }, item.label));
    // DejaVu Sans averages ~0.6 em per character; the legend needs no exact metrics.
    at += 23 + Math.ceil(item.label.length * THEME.fontSize * 0.6) + 16;
  }
  return g;
}

/**
 * Serialises a composed figure as standalone SVG (with `xmlns`, as resvg requires). Plot numbers
 * its clip-path, pattern and marker ids with process-wide counters, so they are renumbered in
 * order of appearance under the figure's own prefix: the same figure then serialises the same way
 * however many were drawn before it, and figures inlined in one HTML page never share an id.
 */
export function serializeFigure(root: Element, idPrefix: string): string {
  const xml = new (svgDocument().defaultView as unknown as { XMLSerializer: typeof XMLSerializer }).XMLSerializer().serializeToString(root);
  const ids = new Map<string, string>();
  const renamed = xml.replace(/plot-(clip|pattern|marker)-\d+/g, (id, kind: string) => {
    let next = ids.get(id);
    if (next === undefined) {
      next = `${idPrefix}-${kind}-${ids.size + 1}`;
      ids.set(id, next);
    }
    return next;
  });
  return `${renamed}\n`;
}
