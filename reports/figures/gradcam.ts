import { readFileSync } from "node:fs";
import { usageError } from "../../lib/errors/index.ts";
import { className } from "../inputs/classes.ts";
import type { GradcamImage } from "../inputs/run.ts";
import { el, figureRoot, serializeFigure } from "./svg.ts";
import { THEME } from "./theme.ts";

/** What the Grad-CAM collage of one run needs. */
export interface GradcamFigureInput {
  name: string;
  title: string;
  /** The overlays to show, in order (the caller applies `--gradcam-limit`). */
  images: readonly GradcamImage[];
}

const COLUMNS = 2;
const GAP = 16;
const CAPTION = 22;

/** Width and height from a PNG's IHDR chunk; anything that is not a PNG is an error naming the file. */
export function pngSize(bytes: Uint8Array, file: string): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const isPng = bytes.length >= 24 && signature.every((b, i) => bytes[i] === b) && String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
  if (!isPng) throw usageError("bad_image", `not a PNG file: ${file}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * A two-column collage of Grad-CAM overlays, each embedded as a `data:` URI (the SVG stands alone)
 * and captioned with its index and predicted / true class, green when they agree, red otherwise.
 */
export function gradcamFigure(input: GradcamFigureInput): string {
  const cell = (THEME.width - GAP * (COLUMNS + 1)) / COLUMNS;
  const tiles = input.images.map((image) => {
    const bytes = new Uint8Array(readFileSync(image.file));
    const size = pngSize(bytes, image.file);
    return { image, bytes, height: (cell * size.height) / size.width };
  });
  const top = THEME.titleHeight + 6;
  const rowHeights: number[] = [];
  tiles.forEach((t, i) => {
    const r = Math.floor(i / COLUMNS);
    rowHeights[r] = Math.max(rowHeights[r] ?? 0, t.height);
  });
  const rowTops = rowHeights.map((_, r) => top + rowHeights.slice(0, r).reduce((a, h) => a + h + CAPTION + GAP, 0));
  const height = top + rowHeights.reduce((a, h) => a + h + CAPTION + GAP, 0);
  const root = figureRoot(THEME.width, height, input.title);
  tiles.forEach((t, i) => {
    const x = GAP + (i % COLUMNS) * (cell + GAP);
    const y = rowTops[Math.floor(i / COLUMNS)] as number;
    const correct = t.image.pred === t.image.true;
    root.append(
      el("image", { x, y, width: cell, height: t.height, preserveAspectRatio: "xMidYMid meet", href: `data:image/png;base64,${Buffer.from(t.bytes).toString("base64")}` }),
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
