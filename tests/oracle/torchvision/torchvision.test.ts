import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { nativeBuilt } from "../../../lib/backend/native/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, loadPretrained, readSafetensors, SeededDropout, setDropoutStep, StochasticDepth, torchvisionParam, type BuiltModel } from "../../../lib/models/index.ts";
import { permuteAxes } from "../../../lib/models/torch-file/index.ts";
import { crossEntropy } from "../../../lib/train/step.ts";
import { describeWith } from "../../support/requirements.ts";

/** Needs apt `python3-torch python3-torchvision`; run with the system python, not a virtualenv's. */
const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dir, "torchvision_oracle.py");
const SIZE = 64;
const BATCH = 8;
const BACKENDS = nativeBuilt() ? (["wasm", "native"] as const) : (["wasm"] as const);

const dir = mkdtempSync(join(tmpdir(), "oracle-torchvision-"));
/** ImageNet-style model (1000 classes) for the eval logits; the reference pipeline's 4-class head for the training step. */
const imagenet = join(dir, "imagenet");
const reference = join(dir, "reference");

function oracle(...args: string[]): void {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`torchvision oracle ${args[0]} failed (apt install python3-torch python3-torchvision): ${run.stderr}`);
}

function floats(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** max |a − b| and max |b|. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

describeWith(["python3-torch", "python3-torchvision"])("torchvision 0.14 as the oracle", () => {
  beforeAll(async () => {
    await initBackend("wasm");
    for (const [out, seed, classes] of [[imagenet, 7, 1000], [reference, 11, 4]] as const) {
      mkdirSync(out, { recursive: true });
      oracle("make", out, String(seed), String(SIZE), String(BATCH), String(classes));
    }
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe.each(BACKENDS)("efficientnet-b0-torchvision on %s against torchvision 0.14", (backend) => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    afterAll(async () => {
      await initBackend("wasm");
    });

    test.each(["model.pth", "model.safetensors"])("%s from torch.save of a seeded efficientnet_b0: the same eval logits on 8 images (max |Δ| ≤ 1e-4)", async (file) => {
      const built = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: SIZE, numClasses: 1000, seed: 1 });
      const report = await loadPretrained(built.model, join(imagenet, file));
      expect(report.matched).toHaveLength(131); // 81 convs + 49 BNs + the classifier
      expect(report.missing).toEqual([]);
      expect(report.unused).toEqual([]);
      const x = tf.tensor4d(floats(join(imagenet, "inputs.f32")), [BATCH, SIZE, SIZE, 1]);
      const logits = compare((built.model.predict(x) as tf.Tensor).dataSync(), floats(join(imagenet, "logits.f32")));
      const pooledModel = tf.model({ inputs: built.model.inputs, outputs: built.model.getLayer("avg_pool").output as tf.SymbolicTensor });
      const pooled = compare((pooledModel.predict(x) as tf.Tensor).dataSync(), floats(join(imagenet, "pooled.f32")));
      console.log(`${backend} ${file}: logits max |Δ| ${logits.diff.toExponential(2)} (max |logit| ${logits.scale.toFixed(3)}); pooled features max |Δ| ${pooled.diff.toExponential(2)} (max ${pooled.scale.toFixed(3)})`);
      expect(logits.diff).toBeLessThanOrEqual(1e-4);
      // The random classifier's logits are small; the 1280 features before it match to float32 rounding too.
      expect(pooled.diff).toBeLessThanOrEqual(1e-5 * pooled.scale);
      x.dispose();
      built.model.dispose();
    }, 120_000);

    test("one training step (batch statistics, stochastic depth, dropout): the same loss, gradients and running statistics", async () => {
      const built: BuiltModel = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: SIZE, numClasses: 4, seed: 5 });
      const { model } = built;
      await loadPretrained(model, join(reference, "model.pth"));
      // The project's draws for step 3, read off each layer, so that torch drops the same rows.
      const STEP = 3;
      setDropoutStep(model, STEP);
      const stochasticDepth: Record<string, number[]> = {};
      let dropout: number[] = [];
      for (const layer of model.layers) {
        if (layer instanceof StochasticDepth) stochasticDepth[layer.name] = Array.from((layer.apply(tf.ones([BATCH, 1, 1, 1]), { training: true }) as tf.Tensor).dataSync());
        else if (layer instanceof SeededDropout) dropout = Array.from((layer.apply(tf.ones([BATCH, 1280]), { training: true }) as tf.Tensor).dataSync());
      }
      expect(Object.values(stochasticDepth).flat().some((v) => v === 0)).toBe(true); // some branch really dropped
      expect(dropout.some((v) => v === 0)).toBe(true);
      const labels = [0, 1, 2, 3, 3, 2, 1, 0];
      writeFileSync(join(reference, "masks.json"), JSON.stringify({ stochastic_depth: stochasticDepth, dropout, labels }));
      oracle("step", reference);

      setDropoutStep(model, STEP);
      const x = tf.tensor4d(floats(join(reference, "inputs.f32")), [BATCH, SIZE, SIZE, 1]);
      const y = tf.tensor1d(labels, "int32");
      // The model's own variables (what trainStep differentiates), behind its layer weights.
      const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { value, grads } = tf.variableGrads(() => crossEntropy(tf, model.apply(x, { training: true }) as tf.Tensor, y, null), vars);
      const torchLoss = (JSON.parse(readFileSync(join(reference, "step.json"), "utf8")) as { loss: number }).loss;
      const loss = value.dataSync()[0]!;

      const torchGrads = readSafetensors(readFileSync(join(reference, "grads.safetensors")), "grads.safetensors");
      const rows = model.trainableWeights.map((w, i) => {
        const param = torchvisionParam(w.originalName, w.shape.length)!;
        const t = torchGrads.get(param.key)!;
        const ref = param.perm ? permuteAxes(t.values, t.shape, param.perm).values : t.values;
        return { key: param.key, ...compare(grads[vars[i]!.name]!.dataSync(), ref) };
      });
      const top = Math.max(...rows.map((r) => r.scale));
      // BN shifts followed (through a 1×1 conv) by another training-mode BN have a zero gradient in
      // exact arithmetic; both sides give float32 noise there, so those are compared in absolute terms.
      const zero = rows.filter((r) => r.scale < 1e-6 * top);
      const live = rows.filter((r) => r.scale >= 1e-6 * top);
      const worstLive = Math.max(...live.map((r) => r.diff / r.scale));
      const worstZero = Math.max(...zero.map((r) => r.diff));

      const after = readSafetensors(readFileSync(join(reference, "after.safetensors")), "after.safetensors");
      const stats = model.nonTrainableWeights.map((w) => {
        const key = torchvisionParam(w.originalName, w.shape.length)!.key;
        return { key, ...compare(w.read().dataSync(), after.get(key)!.values) };
      });
      // Likewise the running means of those BNs' successors (their batch means are 0 in exact arithmetic).
      const topStat = Math.max(...stats.map((s) => s.scale));
      const worstStat = Math.max(...stats.filter((s) => s.scale >= 1e-6 * topStat).map((s) => s.diff / s.scale));
      const worstZeroStat = Math.max(0, ...stats.filter((s) => s.scale < 1e-6 * topStat).map((s) => s.diff));
      console.log(
        `${backend} training step: loss ${loss} vs torch ${torchLoss}; ${live.length} gradients, worst max|Δ|/max|g| ${worstLive.toExponential(2)}; ` +
          `${zero.length} zero-in-theory gradients within ${worstZero.toExponential(2)} (largest gradient ${top.toFixed(3)}); ` +
          `${stats.length} running statistics, worst relative ${worstStat.toExponential(2)} (zero-in-theory means within ${worstZeroStat.toExponential(2)})`,
      );
      expect(Math.abs(loss - torchLoss)).toBeLessThanOrEqual(1e-5 * Math.abs(torchLoss));
      expect(rows).toHaveLength(213);
      expect(worstLive).toBeLessThanOrEqual(2e-4);
      expect(worstZero).toBeLessThanOrEqual(1e-6 * top);
      expect(stats).toHaveLength(98);
      // PyTorch's unbiased running variance: tfjs's biased update would be off by 0.1·σ²/(n − 1), n = 8·2·2 at the last BN (≈ 3e-3 relative).
      expect(worstStat).toBeLessThanOrEqual(1e-5);
      expect(worstZeroStat).toBeLessThanOrEqual(1e-6 * topStat);
      tf.dispose([x, y, value, ...Object.values(grads)]);
      model.dispose();
    }, 240_000);
  });

  describe("a hostile .pth", () => {
    test.each([["system", "posix.system"], ["eval", "__builtin__.eval"]])("(%s payload) runs under torch.load but is refused here, and nothing runs", async (kind, global) => {
      const marker = join(dir, `pwned-${kind}`);
      oracle("hostile", dir, marker, kind);
      const file = join(dir, `hostile-${kind}.pth`);
      // The payload is live: PyTorch 1.13's default torch.load runs it.
      oracle("load", file);
      expect(existsSync(marker)).toBe(true);
      rmSync(marker);

      const model = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, seed: 1 }).model;
      let err: unknown;
      try {
        await loadPretrained(model, file);
      } catch (e) {
        err = e;
      }
      model.dispose();
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).code).toBe("pretrained_refused");
      expect((err as TaskError).message).toContain(`refusing to load: its pickle names the global ${global} `);
      expect(existsSync(marker)).toBe(false);
    }, 120_000);
  });
});
