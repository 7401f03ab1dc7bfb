// Test images written by independent tools: pydicom writes the uncompressed originals, dcmtk and
// GDCM compress them, and a decompressor other than ours (dcmtk or GDCM) gives the reference
// decoding of every compressed file. Made in a temp dir at test time; nothing is committed.
// apt: python3-pydicom python3-numpy dcmtk libgdcm-tools
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PYTHON = "/usr/bin/python3";
const HERE = import.meta.dir;

/** A compression made by an outside tool, and the tool that decompresses it for reference. */
interface Variant {
  id: string;
  transferSyntax: string;
  encode: string[];
  decode: string[];
  /** Lossy: compare with the reference decoding only, not with the original. */
  lossy?: boolean;
  /** Skip bases the encoder refuses or mangles. */
  accepts?: (base: BaseCase) => boolean;
}

const VARIANTS: Variant[] = [
  { id: "dcmtk-jpeg-lossless-sv1", transferSyntax: "1.2.840.10008.1.2.4.70", encode: ["dcmcjpeg", "+e1"], decode: ["dcmdjpeg"] },
  { id: "dcmtk-jpeg-lossless-p14-sv6", transferSyntax: "1.2.840.10008.1.2.4.57", encode: ["dcmcjpeg", "+el"], decode: ["dcmdjpeg"] },
  { id: "gdcm-jpeg-lossless", transferSyntax: "1.2.840.10008.1.2.4.70", encode: ["gdcmconv", "--jpeg"], decode: ["dcmdjpeg"] },
  { id: "dcmtk-jpeg-ls", transferSyntax: "1.2.840.10008.1.2.4.80", encode: ["dcmcjpls"], decode: ["dcmdjpls"] },
  // 1 KB fragments: a frame spans several; with a Basic Offset Table, and without one.
  { id: "dcmtk-jpeg-ls-1k-fragments", transferSyntax: "1.2.840.10008.1.2.4.80", encode: ["dcmcjpls", "+fs", "1"], decode: ["dcmdjpls"] },
  { id: "dcmtk-jpeg-lossless-1k-fragments-no-offsets", transferSyntax: "1.2.840.10008.1.2.4.70", encode: ["dcmcjpeg", "+e1", "+fs", "1", "-ot"], decode: ["dcmdjpeg"] },
  { id: "gdcm-jpeg-ls", transferSyntax: "1.2.840.10008.1.2.4.80", encode: ["gdcmconv", "--jpegls"], decode: ["dcmdjpls"] },
  // dcmtk refuses near-lossless JPEG-LS for signed pixels.
  { id: "dcmtk-jpeg-ls-near", transferSyntax: "1.2.840.10008.1.2.4.81", encode: ["dcmcjpls", "+en"], decode: ["dcmdjpls"], lossy: true, accepts: (b) => b.signed === 0 },
  { id: "dcmtk-rle", transferSyntax: "1.2.840.10008.1.2.5", encode: ["dcmcrle"], decode: ["dcmdrle"] },
  { id: "gdcm-rle", transferSyntax: "1.2.840.10008.1.2.5", encode: ["gdcmconv", "--rle"], decode: ["dcmdrle"] },
  { id: "gdcm-jpeg2000", transferSyntax: "1.2.840.10008.1.2.4.90", encode: ["gdcmconv", "--j2k"], decode: ["gdcmconv", "--raw"] },
  // GDCM writes no 8-bit irreversible JPEG 2000.
  { id: "gdcm-jpeg2000-lossy", transferSyntax: "1.2.840.10008.1.2.4.91", encode: ["gdcmconv", "--j2k", "--lossy"], decode: ["gdcmconv", "--raw"], lossy: true, accepts: (b) => b.bitsStored > 8 },
];

/** One uncompressed original written by pydicom_ref.py. */
export interface BaseCase {
  name: string;
  path: string;
  bitsStored: number;
  signed: 0 | 1;
  /** NumberOfFrames; frame 0 is compared. */
  frames: number;
}

/** A compressed copy of a base image. */
export interface CompressedCase {
  label: string;
  base: BaseCase;
  variant: string;
  transferSyntax: string;
  lossy: boolean;
  path: string;
  /** The same file decompressed by dcmtk/GDCM. */
  referencePath: string;
}

/** What pydicom reads from a file (pydicom_ref.py dump). */
export interface PydicomView {
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  photometricInterpretation: string;
  patientId: string;
  accessionNumber: string;
  viewPosition: string;
  imageLaterality: string;
  pixels: number[];
}

export interface OracleFixtures {
  dir: string;
  bases: BaseCase[];
  compressed: CompressedCase[];
  /** pydicom's view of every original and every reference decoding, by path. */
  pydicom: Record<string, PydicomView>;
  cleanup(): void;
}

function run(argv: string[]): string {
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().slice(0, 500)}`);
  return result.stdout.toString();
}

async function runAll(commands: string[][]): Promise<void> {
  await Promise.all(
    commands.map(async (argv) => {
      const proc = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
      if ((await proc.exited) !== 0) throw new Error(`${argv.join(" ")} failed: ${(await new Response(proc.stderr).text()).slice(0, 500)}`);
    }),
  );
}

/** Runs pydicom_ref.py with the given arguments (its stdout). */
export function pydicomRef(args: string[]): string {
  return run([PYTHON, join(HERE, "pydicom_ref.py"), ...args]);
}

/** Writes pydicom's uncompressed originals into `dir`. */
export function makeBases(dir: string): BaseCase[] {
  pydicomRef(["make", dir]);
  return JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as BaseCase[];
}

export async function makeOracleFixtures(): Promise<OracleFixtures> {
  for (const [tool, pkg] of [["dcmcjpeg", "dcmtk"], ["gdcmconv", "libgdcm-tools"], [PYTHON, "python3"]] as const) {
    if (Bun.which(tool) === null) throw new Error(`the DICOM oracle tests need ${tool}: apt-get install ${pkg} python3-pydicom python3-numpy`);
  }
  const dir = mkdtempSync(join(tmpdir(), "dicom-oracle-"));
  const bases = makeBases(dir);
  const compressed: CompressedCase[] = [];
  for (const base of bases) {
    for (const v of VARIANTS) {
      if (v.accepts !== undefined && !v.accepts(base)) continue;
      const path = join(dir, `${base.name}.${v.id}.dcm`);
      compressed.push({
        label: `${base.name} as ${v.id}`,
        base,
        variant: v.id,
        transferSyntax: v.transferSyntax,
        lossy: v.lossy === true,
        path,
        referencePath: join(dir, `${base.name}.${v.id}.reference.dcm`),
      });
    }
  }
  const variant = (c: CompressedCase) => VARIANTS.find((v) => v.id === c.variant)!;
  await runAll(compressed.map((c) => [...variant(c).encode, c.base.path, c.path]));
  await runAll(compressed.map((c) => [...variant(c).decode, c.path, c.referencePath]));
  const pydicom = JSON.parse(pydicomRef(["dump", ...bases.map((b) => b.path), ...compressed.map((c) => c.referencePath)])) as Record<string, PydicomView>;
  return { dir, bases, compressed, pydicom, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
