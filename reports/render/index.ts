export { FONT_FAMILY, fontFiles, svgToPng, withXmlns } from "./rasterize.ts";
export type { RasterOptions } from "./rasterize.ts";
export { svgSize, svgToPdf } from "./pdf.ts";
