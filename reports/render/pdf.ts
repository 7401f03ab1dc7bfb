import PDFDocument from "pdfkit";
import SVGtoPDF from "svg-to-pdfkit";
import { fontFiles, FONT_FAMILY, withXmlns } from "./rasterize.ts";

/**
 * The PDF's info dictionary, fixed: pdfkit would stamp the current time, and a figure must be the
 * same bytes for the same input.
 */
const INFO = { Producer: "mammo-density report (pdfkit)", Creator: "mammo-density report", CreationDate: new Date(Date.UTC(2000, 0, 1)) };

/** The figure's size in SVG user units, from the root element's width and height (or viewBox). */
export function svgSize(svg: string): { width: number; height: number } {
  const open = /<svg\b[^>]*>/.exec(svg)?.[0];
  if (!open) throw new Error("svgToPdf: no <svg> element in the input");
  const attr = (name: string) => Number(new RegExp(`\\s${name}="([0-9.]+)"`).exec(open)?.[1] ?? Number.NaN);
  let width = attr("width");
  let height = attr("height");
  if (!(width > 0 && height > 0)) {
    const box = /\sviewBox="[-0-9.]+[ ,]+[-0-9.]+[ ,]+([0-9.]+)[ ,]+([0-9.]+)"/.exec(open);
    width = Number(box?.[1]);
    height = Number(box?.[2]);
  }
  if (!(width > 0 && height > 0)) throw new Error(`svgToPdf: the <svg> element has no usable width/height: ${open.slice(0, 120)}`);
  return { width, height };
}

/**
 * Converts a figure's SVG to a one-page vector PDF, page size = figure size (one SVG user unit =
 * one PostScript point, so a 640-unit figure is 8.9 in wide and scales down in LaTeX like the
 * PNG). Text stays text: DejaVu Sans (regular and bold, the files the PNGs are drawn with) is
 * embedded as a subset. pdfkit + svg-to-pdfkit were chosen for being pure JavaScript from npm (the
 * README's `npm ci` is all a user needs), deterministic once the info dictionary is fixed (no
 * /ID, no clock, no random subset tag), and faithful to resvg's rendering of the same SVG (a test
 * compares `pdftoppm`'s rendering with the PNG).
 */
export function svgToPdf(svg: string): Uint8Array {
  const source = withXmlns(svg);
  const { width, height } = svgSize(source);
  const doc = new PDFDocument({ size: [width, height], margin: 0, compress: true, info: INFO, pdfVersion: "1.4" });
  const [regular, bold] = fontFiles();
  doc.registerFont(FONT_FAMILY, regular as string);
  doc.registerFont(`${FONT_FAMILY} Bold`, bold as string);
  const warnings: string[] = [];
  SVGtoPDF(doc, source, 0, 0, {
    width,
    height,
    // Plot's sizes are CSS pixels; 1 px = 1 pt keeps the PDF the same shape and proportions as the PNG.
    assumePt: true,
    fontCallback: (_family: string, bold: boolean) => (bold ? `${FONT_FAMILY} Bold` : FONT_FAMILY),
    warningCallback: (message: string) => warnings.push(message),
  });
  doc.end();
  // pdfkit pushes every chunk into its (paused) readable stream synchronously; reading the
  // buffer back here keeps the conversion synchronous, like svgToPng.
  const chunks: Buffer[] = [];
  for (let chunk = doc.read() as Buffer | null; chunk !== null; chunk = doc.read() as Buffer | null) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
