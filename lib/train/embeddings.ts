import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TaskError, usageError } from "../errors/index.ts";
import { readCsv } from "../dataset/index.ts";

/** A 2-D float matrix read from a `.npy` file, row-major. */
export interface NpyMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * Parses a NumPy `.npy` file (format 1.0–3.0) holding a 2-D little-endian float32 or float64
 * array, C or Fortran order; float64 is narrowed to float32. The header is a Python dict literal:
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (N, 2048), }`.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyMatrix {
  const bad = (why: string) => usageError("bad_npy", `${file}: ${why}`);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw bad("not a .npy file (magic \\x93NUMPY missing)");
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) throw bad(`unsupported .npy version ${major}.${bytes[7]}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw bad(`header of ${headerLength} bytes runs past the end of the file`);
  const header = new TextDecoder("latin1").decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`unreadable header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (shape.length !== 2 || shape.some((n) => !Number.isInteger(n) || n < 0)) throw bad(`expected a 2-D array, got shape (${shapeText})`);
  const [rows, cols] = shape as [number, number];
  const itemSize = descr === "<f4" ? 4 : descr === "<f8" ? 8 : 0;
  if (itemSize === 0) throw bad(`unsupported dtype ${descr} (expected <f4 or <f8)`);
  const count = rows * cols;
  if (bytes.length - dataStart < count * itemSize) throw bad(`truncated: ${bytes.length - dataStart} data bytes for shape (${rows}, ${cols}) ${descr}`);
  const data = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const value = itemSize === 4 ? view.getFloat32(dataStart + 4 * k, true) : view.getFloat64(dataStart + 8 * k, true);
    // Fortran order stores column by column: element k is (k mod rows, k div rows).
    const index = fortran === "True" ? (k % rows) * cols + Math.floor(k / rows) : k;
    data[index] = value;
  }
  return { rows, cols, data };
}

/** Per-accession embeddings for `--embeddings-dir`. */
export interface Embeddings {
  dim: number;
  /** Mean of the rows of each accession (several views fuse into one vector). */
  byAccession: Map<string, Float32Array>;
  /** Files read, for the summary's data hashes. */
  files: string[];
}

/**
 * Reads `features.npy` (N × D float) and `metadata.csv` (`idx,AccessionNumber,Classification,dicom_path`)
 * from `dir` and averages the rows of each accession.
 */
export function loadEmbeddings(dir: string): Embeddings {
  const npyPath = join(dir, "features.npy");
  const csvPath = join(dir, "metadata.csv");
  for (const p of [npyPath, csvPath]) if (!existsSync(p)) throw usageError("missing_embeddings", `--embeddings-dir ${dir}: missing ${p}`);
  const matrix = parseNpy(new Uint8Array(readFileSync(npyPath)), npyPath);
  const table = readCsv(csvPath);
  for (const column of ["idx", "AccessionNumber"]) {
    if (!table.columns.includes(column)) throw usageError("bad_embeddings", `${csvPath}: missing column ${column} (columns: ${table.columns.join(", ")})`);
  }
  const sums = new Map<string, { sum: Float64Array; n: number }>();
  for (const row of table.rows) {
    const idx = Number(row.values.idx);
    if (!Number.isInteger(idx) || idx < 0 || idx >= matrix.rows) {
      throw usageError("bad_embeddings", `${csvPath} row ${row.line}: idx ${JSON.stringify(row.values.idx)} outside 0..${matrix.rows - 1} of ${npyPath}`);
    }
    const accession = row.values.AccessionNumber as string;
    let entry = sums.get(accession);
    if (!entry) {
      entry = { sum: new Float64Array(matrix.cols), n: 0 };
      sums.set(accession, entry);
    }
    for (let j = 0; j < matrix.cols; j++) entry.sum[j] = (entry.sum[j] as number) + (matrix.data[idx * matrix.cols + j] as number);
    entry.n++;
  }
  const byAccession = new Map<string, Float32Array>();
  for (const [accession, { sum, n }] of sums) byAccession.set(accession, Float32Array.from(sum, (v) => v / n));
  return { dim: matrix.cols, byAccession, files: [npyPath, csvPath] };
}

/** The embedding of each accession, in order; an accession without one is an error naming it. */
export function embeddingsFor(embeddings: Embeddings, accessions: readonly string[], dir: string): Float32Array[] {
  const missing = accessions.filter((a) => !embeddings.byAccession.has(a));
  if (missing.length) {
    const shown = [...new Set(missing)].slice(0, 5).join(", ");
    throw new TaskError("missing_embedding", `--embeddings-dir ${dir}: no embedding for ${new Set(missing).size} accession(s): ${shown}${missing.length > 5 ? ", …" : ""}`, { exitCode: 2 });
  }
  return accessions.map((a) => embeddings.byAccession.get(a) as Float32Array);
}
