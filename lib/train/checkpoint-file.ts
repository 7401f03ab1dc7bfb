import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../artifacts/index.ts";
import { TaskError } from "../errors/index.ts";

const MAGIC = "MDCKPT1\n";

/**
 * One file holding a JSON header and float32 blobs: `MAGIC`, header length (uint32 LE), the
 * header (UTF-8 JSON), zero padding to a multiple of 4, then the blobs back to back. One file,
 * written atomically, so a crash leaves the previous checkpoint or the new one, never a mix of
 * weights from one epoch with optimizer state from another.
 */
export function writeCheckpointFile(path: string, header: Record<string, unknown>, blobs: readonly Float32Array[]): void {
  const lengths = blobs.map((b) => b.length);
  const json = new TextEncoder().encode(JSON.stringify({ ...header, blob_lengths: lengths }));
  const prefix = MAGIC.length + 4 + json.length;
  const start = Math.ceil(prefix / 4) * 4;
  const total = start + 4 * lengths.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(total);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, json.length, true);
  bytes.set(json, MAGIC.length + 4);
  let off = start;
  for (const b of blobs) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), off);
    off += b.byteLength;
  }
  writeFileAtomic(path, bytes);
}

/** Reads a file written by `writeCheckpointFile`; a damaged one is an error naming it. */
export function readCheckpointFile(path: string): { header: Record<string, unknown>; blobs: Float32Array[] } {
  if (!existsSync(path)) throw new TaskError("missing_checkpoint", `missing checkpoint: ${path}`, { exitCode: 2 });
  const bytes = new Uint8Array(readFileSync(path));
  const bad = (why: string) => new TaskError("bad_checkpoint", `damaged checkpoint ${path}: ${why}`, { exitCode: 1 });
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw bad("wrong magic");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  const prefix = MAGIC.length + 4 + jsonLength;
  if (prefix > bytes.length) throw bad("header runs past the end");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, prefix))) as Record<string, unknown>;
  const lengths = header.blob_lengths;
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isInteger(n) && n >= 0)) throw bad("no blob_lengths");
  let off = Math.ceil(prefix / 4) * 4;
  const blobs: Float32Array[] = [];
  for (const n of lengths as number[]) {
    if (off + 4 * n > bytes.length) throw bad(`blob of ${n} floats runs past the end`);
    // Copy: the file buffer's offset is 4-aligned here, but a copy frees us from its lifetime.
    blobs.push(new Float32Array(bytes.slice(off, off + 4 * n).buffer));
    off += 4 * n;
  }
  delete header.blob_lengths;
  return { header, blobs };
}
