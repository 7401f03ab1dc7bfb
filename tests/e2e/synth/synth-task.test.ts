import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { sha256 } from "../../../lib/artifacts/index.ts";
import { decodeDicom } from "../../../lib/dicom/index.ts";
import { DICOM_ENCODINGS } from "../../../lib/dicom/write/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import type { GeneratedAccession } from "../../../lib/synth/index.ts";

const clock = { now: () => new Date("2024-01-02T03:04:05Z") };
const PARAMS = { accessions: 40, seed: 7, imageSize: 64 };

interface SynthJson {
  task: string;
  fingerprint: string;
  counts: { accessions: number; images: number; label: Record<string, number>; encoding: Record<string, number> };
  labelNoise: { relabelled: number };
  accessions: GeneratedAccession[];
}

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = sha256(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

let root: string;
let first: Record<string, string>;
let synth: SynthJson;
const outdir = () => join(root, "a");

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "synth-task-"));
  await runTask("synth", { ...PARAMS, outdir: outdir() }, { quiet: true, clock });
  first = hashes(outdir());
  synth = JSON.parse(readFileSync(join(outdir(), "synth.json"), "utf8")) as SynthJson;
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("synth task", () => {
  test("synth --accessions 40 writes classificacao.csv with 40 rows, leading zeros kept", () => {
    const lines = readFileSync(join(outdir(), "classificacao.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("AccessionNumber,Classification,ClassificationDate");
    expect(lines.length).toBe(41);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\d{6},[1-5],\d{4}-\d{2}-\d{2}$/);
    expect(lines.slice(1).some((l) => l.startsWith("00"))).toBe(true);
    const labels = Object.fromEntries(synth.accessions.map((a) => [a.accession, String(a.label)]));
    for (const line of lines.slice(1)) {
      const [acc, label] = line.split(",");
      expect(labels[acc as string]).toBe(label as string);
    }
  });

  test("synth writes archive/<AccessionNumber>/<view>.dcm for every image listed in synth.json, with its hash", () => {
    expect(synth.task).toBe("synth");
    const listed = synth.accessions.flatMap((a) => a.images);
    expect(listed.length).toBe(synth.counts.images);
    const dcm = Object.keys(first).filter((p) => p.endsWith(".dcm"));
    expect(dcm.sort()).toEqual(listed.map((i) => i.path).sort());
    for (const image of listed) {
      expect(image.path).toMatch(/^archive\/\d{6}\/[LR]_(CC|MLO|ML|LM|XCCL)\.dcm$/);
      expect(first[image.path]).toBe(image.sha256);
    }
  });

  test("synth uses every encoding and the class counts of the real file's mix", () => {
    for (const e of DICOM_ENCODINGS) expect(synth.counts.encoding[e]).toBeGreaterThan(0);
    // quotas(40, [58, 437, 978, 420, 164]) = 1.13, 8.50, 19.02, 8.17, 3.19 → 1, 9, 19, 8, 3.
    expect(synth.counts.label).toEqual({ "1": 1, "2": 9, "3": 19, "4": 8, "5": 3 });
  });

  test("synth files decode (decodeDicom) with header tags matching synth.json", async () => {
    for (const a of synth.accessions) {
      for (const image of a.images) {
        const decoded = await decodeDicom(new Uint8Array(readFileSync(join(outdir(), image.path))), image.path);
        expect({ w: decoded.width, h: decoded.height }).toEqual({ w: 51, h: 64 });
        expect(decoded.tags).toMatchObject({
          accessionNumber: a.accession,
          patientId: a.patientId,
          viewPosition: image.viewPosition,
          imageLaterality: image.laterality,
          photometricInterpretation: a.photometric,
          bitsStored: a.bitsStored,
          pixelRepresentation: a.pixelRepresentation,
        });
      }
    }
  });

  test("synth pixels carry the density signal: the bright share of the breast rises with true density", async () => {
    // From the decoded pixels alone: MONOCHROME1 flipped, scaled between the 1st and 99.5th
    // percentiles; breast = above 0.15 (background is darker), dense = above 0.6.
    const byDensity = new Map<number, number[]>();
    for (const a of synth.accessions.filter((x) => x.label !== 5)) {
      for (const image of a.images) {
        const { pixels, tags } = await decodeDicom(new Uint8Array(readFileSync(join(outdir(), image.path))), image.path);
        const v = Float32Array.from(pixels, (x) => (tags.photometricInterpretation === "MONOCHROME1" ? -x : x));
        const sorted = Float32Array.from(v).sort();
        const lo = sorted[Math.floor(0.01 * sorted.length)] as number;
        const hi = sorted[Math.floor(0.995 * sorted.length)] as number;
        let breast = 0;
        let dense = 0;
        for (const x of v) {
          const t = (x - lo) / (hi - lo);
          if (t > 0.15) breast++;
          if (t > 0.6) dense++;
        }
        byDensity.set(a.trueDensity, [...(byDensity.get(a.trueDensity) ?? []), dense / breast]);
      }
    }
    const means = [1, 2, 3, 4].map((d) => {
      const f = byDensity.get(d) ?? [];
      expect(f.length).toBeGreaterThan(0);
      return f.reduce((s, x) => s + x, 0) / f.length;
    });
    expect(means.every((m, i) => i === 0 || m > (means[i - 1] as number))).toBe(true);
  });

  test("synth's measured dense fraction (generator mask) rises with the CSV label", () => {
    const means = [1, 2, 3, 4].map((c) => {
      const f = synth.accessions.filter((a) => a.label === c).flatMap((a) => a.images.map((i) => i.denseFraction));
      return f.reduce((s, x) => s + x, 0) / f.length;
    });
    expect(means.every((m, i) => i === 0 || m > (means[i - 1] as number))).toBe(true);
  });

  test("synth with the same seed rewrites byte-identical files; another seed gives different ones", async () => {
    await runTask("synth", { ...PARAMS, outdir: outdir() }, { quiet: true, clock });
    expect(hashes(outdir())).toEqual(first);
    const other = join(root, "b");
    await runTask("synth", { ...PARAMS, seed: 8, outdir: other }, { quiet: true, clock });
    const second = hashes(other);
    expect(second["classificacao.csv"]).not.toBe(first["classificacao.csv"]);
    const shared = Object.keys(second).filter((p) => p.endsWith(".dcm") && first[p] !== undefined);
    for (const p of shared) expect(second[p]).not.toBe(first[p]);
  }, 60_000);

  test("synth refuses an --outdir whose archive/ it did not write", async () => {
    const foreign = join(root, "foreign");
    await runTask("synth", { ...PARAMS, accessions: 1, outdir: foreign }, { quiet: true, clock });
    rmSync(join(foreign, "synth.json"));
    expect(runTask("synth", { ...PARAMS, accessions: 1, outdir: foreign }, { quiet: true, clock })).rejects.toThrow(/refusing to write into .*archive: it holds files not written by synth/);
  });
});
