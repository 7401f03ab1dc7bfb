import { usageError } from "../../errors/index.ts";
import { DTYPE_BYTES, decodeElements, elementCount, type StateDict, type TorchDtype } from "./tensor.ts";

const DTYPES: Readonly<Record<string, TorchDtype>> = {
  F64: "float64", F32: "float32", F16: "float16", BF16: "bfloat16", I64: "int64", I32: "int32", I16: "int16", I8: "int8", U8: "uint8", BOOL: "bool",
};

/** The format's own cap on the header (100 MB), so a corrupt length cannot make us allocate gigabytes. */
const MAX_HEADER = 100_000_000;

/**
 * Reads a `.safetensors` file: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then the
 * little-endian tensor data (offsets relative to its start). Every entry is checked: a known
 * dtype, offsets inside the data, end − begin = elements × element size, no overlaps.
 */
export function readSafetensors(bytes: Uint8Array, file: string): StateDict {
  const bad = (detail: string) => usageError("pretrained_unreadable", `${file}: not a valid .safetensors file: ${detail}`);
  if (bytes.byteLength < 8) throw bad(`${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) throw bad(`header length ${headerLength} exceeds the file (${bytes.byteLength} bytes) or 100 MB`);
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    throw bad(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw bad("header is not a JSON object");
  const dataLength = bytes.byteLength - dataStart;
  const out: StateDict = new Map();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const type = typeof dtype === "string" ? DTYPES[dtype] : undefined;
    if (type === undefined) throw bad(`tensor ${name}: dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPES).join(", ")})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor ${name}: shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw bad(`tensor ${name}: data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const count = elementCount(shape as number[]);
    if (end < begin || end > dataLength) throw bad(`tensor ${name}: data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes`);
    if (end - begin !== count * DTYPE_BYTES[type]) throw bad(`tensor ${name}: ${end - begin} bytes for shape [${shape.join(", ")}] of ${dtype}`);
    spans.push([begin, end, name]);
    out.set(name, { dtype: type, shape: shape as number[], values: decodeElements(bytes, type, dataStart + begin, count, true) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    const [begin, , name] = spans[i] as [number, number, string];
    const [, prevEnd, prevName] = spans[i - 1] as [number, number, string];
    if (begin < prevEnd) throw bad(`tensors ${prevName} and ${name} overlap`);
  }
  return out;
}
