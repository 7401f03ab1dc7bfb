import { readFileSync } from "node:fs";
import { usageError } from "../../lib/errors/index.ts";
import { className } from "../inputs/classes.ts";
import type { GradcamImage } from "../inputs/run.ts";
import { Plot } from "./plot.ts";
import { el, figureRoot, serializeFigure } from "./svg.ts";
import { THEME } from "./theme.ts";

/** What the Grad-CAM collage of one run needs. */
export interface GradcamFigureInput {
  name: string;
  /** The overlays to show, in order (the caller applies `--gradcam-limit`). */
  images: readonly GradcamImage[];
}

const COLUMNS = 2;
const GAP = 16;
const CAPTION = 22;
const COLORBAR = 46;
/** Opacity of the heat map over the image: the anatomy stays visible under the colour. */
const HEAT_OPACITY = 0.5;

/** Width and height from a PNG's IHDR chunk; anything that is not a PNG is an error naming the file. */
export function pngSize(bytes: Uint8Array, file: string): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const isPng = bytes.length >= 24 && signature.every((b, i) => bytes[i] === b) && String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
  if (!isPng) throw usageError("bad_image", `not a PNG file: ${file}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Viridis, perceptually uniform and readable with every common colour-vision deficiency. */
const viridis = Plot.scale({ color: { type: "linear", scheme: "viridis", domain: [0, 1] } });
export const viridisColor = (t: number): string => String(viridis.apply(Math.min(1, Math.max(0, t))));

/**
 * The heat map at the network's resolution (one vector cell per feature-map position, in viridis,
 * half transparent) over the input image: cells stay sharp at any zoom instead of a blurred
 * upsampling that suggests a precision the network does not have.
 */
function heatCells(heat: NonNullable<GradcamImage["heatmap"]>, x: number, y: number, width: number, height: number): SVGElement {
  const g = el("g", { "fill-opacity": HEAT_OPACITY });
  const cw = width / heat.width;
  const ch = height / heat.height;
  for (let r = 0; r < heat.height; r++) {
    for (let c = 0; c < heat.width; c++) {
      const v = heat.values[r * heat.width + c] ?? 0;
      // A hair of overlap so that anti-aliasing leaves no seams between cells.
      g.append(el("rect", { x: +(x + c * cw).toFixed(2), y: +(y + r * ch).toFixed(2), width: +(cw + 0.3).toFixed(2), height: +(ch + 0.3).toFixed(2), fill: viridisColor(v) }));
    }
  }
  return g;
}

/** A horizontal colour bar for the normalised Grad-CAM values 0 → 1. */
function colorBar(x: number, y: number, width: number): SVGElement {
  const g = el("g", { transform: `translate(${x},${y})` });
  const steps = 64;
  for (let i = 0; i < steps; i++) g.append(el("rect", { x: +((i * width) / steps).toFixed(2), y: 0, width: +(width / steps + 0.3).toFixed(2), height: 10, fill: viridisColor(i / (steps - 1)), "fill-opacity": HEAT_OPACITY }));
  g.append(el("rect", { x: 0, y: 0, width, height: 10, fill: "none", stroke: THEME.muted, "stroke-width": 0.5 }));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    g.append(el("line", { x1: t * width, x2: t * width, y1: 10, y2: 14, stroke: THEME.ink }));
    g.append(el("text", { x: t * width, y: 26, "text-anchor": "middle", "font-size": THEME.fontSize - 2 }, t.toFixed(2)));
  }
  g.append(el("text", { x: width + 10, y: 9, "font-size": THEME.fontSize - 1 }, "Grad-CAM (normalised)"));
  return g;
}

/**
 * A two-column collage of Grad-CAM maps, each captioned with its index and predicted / true
 * class ("correct" / "wrong" in words as well as colour). Where the run recorded the map itself
 * (`gradcam_idx…json` beside the PNG), the input image is drawn with the map on top at the
 * network's resolution in viridis, and a colour bar says what the colours mean; otherwise the
 * overlay PNG is shown as the run wrote it. Images are embedded as `data:` URIs (the SVG stands
 * alone).
 */
export function gradcamFigure(input: GradcamFigureInput): string {
  const cell = (THEME.width - GAP * (COLUMNS + 1)) / COLUMNS;
  const tiles = input.images.map((image) => {
    const file = image.heatmap && image.inputFile ? image.inputFile : image.file;
    const bytes = new Uint8Array(readFileSync(file));
    const size = pngSize(bytes, file);
    return { image, bytes, height: (cell * size.height) / size.width };
  });
  const withMaps = tiles.some((t) => t.image.heatmap && t.image.inputFile);
  const top = withMaps ? COLORBAR : 6;
  const rowHeights: number[] = [];
  tiles.forEach((t, i) => {
    const r = Math.floor(i / COLUMNS);
    rowHeights[r] = Math.max(rowHeights[r] ?? 0, t.height);
  });
  const rowTops = rowHeights.map((_, r) => top + rowHeights.slice(0, r).reduce((a, h) => a + h + CAPTION + GAP, 0));
  const height = top + rowHeights.reduce((a, h) => a + h + CAPTION + GAP, 0);
  const root = figureRoot(THEME.width, height);
  if (withMaps) root.append(colorBar(GAP, 12, cell));
  tiles.forEach((t, i) => {
    const x = GAP + (i % COLUMNS) * (cell + GAP);
    const y = rowTops[Math.floor(i / COLUMNS)] as number;
    const correct = t.image.pred === t.image.true;
    root.append(el("image", { x, y, width: cell, height: t.height, preserveAspectRatio: "xMidYMid meet", href: `data:image/png;base64,${Buffer.from(t.bytes).toString("base64")}` }));
    if (t.image.heatmap && t.image.inputFile) root.append(heatCells(t.image.heatmap, x, y, cell, t.height));
    root.append(
      el(
        "text",
        { x: x + cell / 2, y: y + t.height + 16, "text-anchor": "middle" },
        `#${t.image.index}: predicted ${className(t.image.pred)}, true ${className(t.image.true)} `,
        el("tspan", { fill: correct ? THEME.good : THEME.bad, "font-weight": "bold" }, correct ? "(correct)" : "(wrong)"),
      ),
    );
  });
  return serializeFigure(root, input.name);
}
