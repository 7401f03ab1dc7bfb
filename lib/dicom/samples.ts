import type { ImageHeader } from "./header.ts";

/**
 * Decoded sample words of frame 0, one per pixel, as the codec handed them over. Signed words
 * come as their unsigned bit patterns (a Uint16Array view of an Int16Array): masking and sign
 * extension below give the same values, and one element type per loop keeps the loops fast.
 */
type RawSamples = Uint8Array | Uint16Array;

/**
 * Stored values → modality values: take the BitsStored bits that end at `highBit` of each word
 * (bits outside them are ignored, as PS3.5 8.1.1 asks), sign-extend when PixelRepresentation is
 * 1, then apply RescaleSlope/RescaleIntercept. Native and RLE data keep the stored bits where
 * HighBit puts them; JPEG-family codecs hand over the sample value itself (pass highBit =
 * bitsStored − 1).
 */
export function toModality(raw: RawSamples, header: ImageHeader, highBit: number): Float32Array {
  const { rows, columns, bitsStored, pixelRepresentation, rescaleSlope, rescaleIntercept } = header.tags;
  const out = new Float32Array(rows * columns);
  const shift = highBit + 1 - bitsStored;
  const mask = 2 ** bitsStored - 1;
  // (v << s) >> s sign-extends a bitsStored-bit value; s = 0 leaves an unsigned one as it is.
  const signShift = pixelRepresentation === 1 ? 32 - bitsStored : 0;
  if (raw instanceof Uint16Array) convertWords(raw, out, shift, mask, signShift, rescaleSlope, rescaleIntercept);
  else convertBytes(raw, out, shift, mask, signShift, rescaleSlope, rescaleIntercept);
  return out;
}

// Two copies of one loop, so each indexing site sees a single array type (the JIT then emits a
// plain load; a site that sees both runs several times slower).
function convertWords(raw: Uint16Array, out: Float32Array, shift: number, mask: number, signShift: number, slope: number, intercept: number): void {
  for (let i = 0; i < out.length; i++) out[i] = ((((raw[i]! >> shift) & mask) << signShift) >> signShift) * slope + intercept;
}

function convertBytes(raw: Uint8Array, out: Float32Array, shift: number, mask: number, signShift: number, slope: number, intercept: number): void {
  for (let i = 0; i < out.length; i++) out[i] = ((((raw[i]! >> shift) & mask) << signShift) >> signShift) * slope + intercept;
}
