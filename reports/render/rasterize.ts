import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";

/** The face every figure is set in, in the SVG and in the PNG. */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * The DejaVu Sans TTFs shipped by the `dejavu-fonts-ttf` package. Passing them explicitly (and no
 * system fonts) makes the PNGs the same bytes on every machine; without a loaded font resvg drops
 * text silently.
 */
export function fontFiles(): string[] {
  const root = dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json"));
  // Regular and bold are the only faces the figures use; each extra face costs parse time per PNG.
  return ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => join(root, "ttf", f));
}

/** Options of {@link svgToPng}. */
export interface RasterOptions {
  /**
   * Pixels per SVG user unit (default 2: a 640-unit-wide figure becomes 1,280 px, 200 dpi at a
   * 6.4 in column; 2.5 costs ~50 % more time per figure for 250 dpi).
   */
  zoom?: number;
}

/**
 * Renders an SVG document to PNG bytes with resvg on a white background. The SVG must carry
 * `xmlns` (resvg refuses it otherwise; jsdom's serialisation of Plot's output lacks it, so it is
 * added here when missing).
 */
export function svgToPng(svg: string, options: RasterOptions = {}): Uint8Array {
  const source = withXmlns(svg);
  const resvg = new Resvg(source, {
    font: {
      fontFiles: fontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
    fitTo: { mode: "zoom", value: options.zoom ?? 2 },
    background: "white",
    logLevel: "off",
  });
  return new Uint8Array(resvg.render().asPng());
}

/** Adds the SVG namespace to the root element when it is missing. */
export function withXmlns(svg: string): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error("svgToPng: no <svg> element in the input");
  if (/\sxmlns="/.test(open[0])) return svg;
  return `${svg.slice(0, open.index)}<svg xmlns="http://www.w3.org/2000/svg"${svg.slice(open.index + 4)}`;
}
