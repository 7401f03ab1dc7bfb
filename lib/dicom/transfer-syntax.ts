/** How the pixel data of a transfer syntax are stored, for the ones this decoder reads. */
export type PixelEncoding = "native" | "rle" | "jpeg-lossless" | "jpeg-ls" | "jpeg2000";

const SUPPORTED: Readonly<Record<string, PixelEncoding>> = {
  "1.2.840.10008.1.2": "native", // implicit VR little endian
  "1.2.840.10008.1.2.1": "native", // explicit VR little endian
  "1.2.840.10008.1.2.5": "rle",
  "1.2.840.10008.1.2.4.57": "jpeg-lossless", // process 14
  "1.2.840.10008.1.2.4.70": "jpeg-lossless", // process 14, selection value 1
  "1.2.840.10008.1.2.4.80": "jpeg-ls", // lossless
  "1.2.840.10008.1.2.4.81": "jpeg-ls", // near-lossless
  "1.2.840.10008.1.2.4.90": "jpeg2000", // lossless only
  "1.2.840.10008.1.2.4.91": "jpeg2000",
};

/** Names of transfer syntaxes met in archives but not decoded, so errors say what a UID is. */
const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  "1.2.840.10008.1.2.2": "explicit VR big endian",
  "1.2.840.10008.1.2.1.99": "deflated explicit VR little endian",
  "1.2.840.10008.1.2.4.50": "JPEG baseline, 8-bit lossy",
  "1.2.840.10008.1.2.4.51": "JPEG extended, 12-bit lossy",
  "1.2.840.10008.1.2.4.201": "HTJ2K lossless",
  "1.2.840.10008.1.2.4.202": "HTJ2K lossless RPCL",
  "1.2.840.10008.1.2.4.203": "HTJ2K",
};

/** The pixel encoding of `uid`, or null when this decoder does not read it. */
export function pixelEncoding(uid: string): PixelEncoding | null {
  return SUPPORTED[uid] ?? null;
}

/** `uid` with its name when known, for error messages. */
export function describeTransferSyntax(uid: string): string {
  const name = KNOWN_UNSUPPORTED[uid];
  return name === undefined ? uid : `${uid} (${name})`;
}
