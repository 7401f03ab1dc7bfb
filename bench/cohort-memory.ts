// Training memory against the cohort's size (issue 15 item 4): synthesizes cohorts of N
// accessions (small stored images), then in a child process per cohort loads them the way the
// train task does (loadDataset, split, prepareImages: every image preprocessed into the cache at
// --img-size) and trains small-cnn on the streamed images; reports the child's peak RSS (VmHWM)
// and the training images/s. The generated cohorts and caches are deleted afterwards.
//
//   bun bench/cohort-memory.ts [--accessions 2000 --accessions 20000] [--img-size 512]
//       [--stored-size 64] [--batch 16] [--steps N] [--loader-workers 1] [--backend native]
//       [--workdir DIR] [--json] [--in-memory]
//
// "RSS after load" is taken once the cohort is loaded (with --in-memory: its images read too).
// --steps N trains N steps (and validates N batches) on the fully loaded cohort instead of one
// whole epoch (a whole epoch of 20,000 images at 512 px takes long on a small machine).
// --in-memory measures the peer, the path before streaming: every image of the cohort read into
// memory as Float32 before training (4 bytes a pixel: about 1 MiB an image at 512 px).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend/index.ts";
import { silentLog } from "../lib/dataset/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { quietProgress } from "../lib/progress/index.ts";
import { loopOptions } from "../lib/train/epochs.ts";
import { autoLoaderWorkers, FeederPool } from "../lib/train/feeder.ts";
import { loadTrainingData } from "../lib/train/inputs.ts";
import { initialLoopState, trainLoop } from "../lib/train/loop.ts";
import { buildNetwork } from "../lib/train/network.ts";
import { trainParams } from "../lib/train/params.ts";
import type { DataPart } from "../lib/train/step.ts";
import { pixelsOf, type ImageRef } from "../lib/train/feed-batch.ts";

const ROOT = join(import.meta.dir, "..");

interface Options {
  accessions: number[];
  imgSize: number;
  storedSize: number;
  batch: number;
  steps: number | null;
  loaderWorkers: number;
  backend: string;
  workdir: string | null;
  json: boolean;
  /** The path before streaming, as the peer: every image of the cohort decoded into memory as Float32. */
  inMemory: boolean;
}

/** What a child measured on one cohort. */
interface Row {
  accessions: number;
  train_samples: number;
  val_samples: number;
  trained_images: number;
  validated_images: number;
  load_s: number;
  train_s: number;
  img_s: number;
  /** Share of the training time the steps waited for their batch. */
  data_wait: number;
  rss_after_load_mb: number;
  peak_rss_mb: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      accessions: { type: "string", multiple: true },
      "img-size": { type: "string" },
      "stored-size": { type: "string" },
      batch: { type: "string" },
      steps: { type: "string" },
      "loader-workers": { type: "string" },
      backend: { type: "string" },
      workdir: { type: "string" },
      json: { type: "boolean" },
      "in-memory": { type: "boolean" },
    },
  });
  const int = (flag: string, v: string | undefined, fallback: number) => {
    const n = Number(v ?? fallback);
    if (!Number.isInteger(n) || n < 0) throw usageError("bad_value", `invalid --${flag}: ${v} (expected a non-negative integer)`);
    return n;
  };
  return {
    accessions: (values.accessions ?? ["2000", "20000"]).map((v) => int("accessions", v, 0)),
    imgSize: int("img-size", values["img-size"], 512),
    storedSize: int("stored-size", values["stored-size"], 64),
    batch: int("batch", values.batch, 16),
    steps: values.steps === undefined ? null : int("steps", values.steps, 0),
    loaderWorkers: int("loader-workers", values["loader-workers"], Math.max(1, autoLoaderWorkers(true))),
    backend: values.backend ?? "native",
    workdir: values.workdir ?? null,
    json: values.json ?? false,
    inMemory: values["in-memory"] ?? false,
  };
}

/** Resident set size now and its peak, MB, from /proc/self/status. */
function rssMb(): { rss: number; hwm: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** The first `n` samples of a part (null: all of it), with the whole part's images read into memory first when `inMemory`. */
async function head(part: DataPart, n: number | null, inMemory: boolean): Promise<DataPart> {
  const images: ImageRef[] = [];
  for (const image of part.images) images.push(inMemory ? (await pixelsOf(image)).pixels : image);
  return n === null ? { ...part, images } : { images: images.slice(0, n), labels: part.labels.slice(0, n) };
}

/** Child: load the cohort as the train task does, train one epoch (or --steps), print one JSON row. */
async function child(cohort: string, cacheDir: string, o: Options, accessions: number): Promise<void> {
  const params = trainParams.parse({
    csv: join(cohort, "classificacao.csv"), dicomRoot: join(cohort, "archive"), cacheDir, arch: "small-cnn", backend: o.backend,
    imgSize: o.imgSize, batchSize: o.batch, epochs: 1, loaderWorkers: o.loaderWorkers,
  });
  const backend = await initBackend(params.backend as Parameters<typeof initBackend>[0]);
  const t0 = performance.now();
  const data = await loadTrainingData(params, { progress: quietProgress }, silentLog);
  const n = o.steps === null ? null : o.steps * o.batch;
  const train = await head(data.train, n, o.inMemory);
  const val = await head(data.val, n, o.inMemory);
  const loadS = (performance.now() - t0) / 1000;
  const afterLoad = rssMb();
  const network = buildNetwork(backend.tf, params, 0);
  const pool = o.loaderWorkers > 0 ? new FeederPool(o.loaderWorkers) : null;
  let feeding = { waitMs: 0, trainingMs: 0 };
  await trainLoop(backend.tf, network.net, { train, val }, loopOptions(params, null, backend.stepsPerRead), network.optimizer, initialLoopState(), {
    progress: quietProgress,
    now: () => performance.now(),
    pool,
    onEpochEnd: (result) => void (feeding = result.feeding),
  });
  pool?.close();
  const row: Row = {
    accessions,
    train_samples: data.train.labels.length,
    val_samples: data.val.labels.length,
    trained_images: train.labels.length,
    validated_images: val.labels.length,
    load_s: Math.round(loadS * 10) / 10,
    train_s: Math.round(feeding.trainingMs / 100) / 10,
    img_s: Math.round((10 * train.labels.length) / (feeding.trainingMs / 1000)) / 10,
    data_wait: Math.round((1000 * feeding.waitMs) / feeding.trainingMs) / 1000,
    rss_after_load_mb: Math.round(afterLoad.rss),
    peak_rss_mb: Math.round(rssMb().hwm),
  };
  console.log(JSON.stringify(row));
}

function run(args: string[]): string {
  const proc = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`bun ${args.join(" ")} failed (exit ${proc.exitCode}): ${proc.stderr.toString().slice(-2000)}`);
  return proc.stdout.toString();
}

/** Parent: per cohort size, synthesize, measure in a fresh child, delete. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") {
    const [, cohort, cacheDir, accessions, ...rest] = argv;
    return child(cohort as string, cacheDir as string, parseOptions(rest), Number(accessions));
  }
  const o = parseOptions(argv);
  const rows: Row[] = [];
  for (const accessions of o.accessions) {
    const dir = mkdtempSync(join(o.workdir ?? tmpdir(), `cohort-memory-${accessions}-`));
    try {
      const cohort = join(dir, "cohort");
      const t0 = performance.now();
      run(["cli/main.ts", "synth", "--outdir", cohort, "--accessions", String(accessions), "--image-size", String(o.storedSize), "--encodings", "explicit-le", "--seed", "7", "--quiet"]);
      if (!o.json) console.error(`${accessions} accessions synthesized in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      const out = run([join("bench", "cohort-memory.ts"), "--child", cohort, join(dir, "cache"), String(accessions), ...argv]);
      const row = JSON.parse(out.trim().split("\n").at(-1) as string) as Row;
      rows.push(row);
      if (!o.json) console.error(JSON.stringify(row));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (o.json) {
    for (const row of rows) console.log(JSON.stringify({ ...row, img_size: o.imgSize, stored_size: o.storedSize, batch: o.batch, steps: o.steps, loader_workers: o.loaderWorkers, backend: o.backend, in_memory: o.inMemory }));
    return;
  }
  console.log(`${o.inMemory ? "IN-MEMORY (every image decoded to Float32 before training, the path before streaming): " : ""}small-cnn at ${o.imgSize} px, batch ${o.batch}, backend ${o.backend}, ${o.loaderWorkers} loader worker(s), ${o.steps === null ? "one epoch" : `${o.steps} steps + ${o.steps} validation batches`} on the fully loaded cohort (stored ${o.storedSize} px)`);
  console.log("| accessions | train / val samples | images trained | load s | train img/s | data wait | RSS after load MB | peak RSS MB |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.accessions} | ${r.train_samples} / ${r.val_samples} | ${r.trained_images} | ${r.load_s} | ${r.img_s} | ${(100 * r.data_wait).toFixed(1)} % | ${r.rss_after_load_mb} | ${r.peak_rss_mb} |`);
  const first = rows[0];
  const last = rows.at(-1);
  if (first && last && first !== last) console.log(`peak RSS ${last.accessions} vs ${first.accessions}: ${((100 * last.peak_rss_mb) / first.peak_rss_mb - 100).toFixed(1)} %, img/s ${(last.img_s / first.img_s).toFixed(2)}×`);
}

await main();
