import { afterAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildModel, saveModelTo } from "../../../lib/models/index.ts";
import { checkPreprocessing, loadRunModel, predictProbabilities } from "../../../lib/predict/index.ts";

const dir = mkdtempSync(join(tmpdir(), "predict-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A finished run directory holding `arch`'s freshly built model as its best model. */
async function fakeRun(name: string, arch: "small-cnn" | "efficientnet-b0-torchvision", imgSize: number): Promise<{ runDir: string; model: tf.LayersModel }> {
  const runDir = join(dir, name);
  mkdirSync(runDir, { recursive: true });
  const { model } = buildModel(tf, { arch, imgSize, seed: 3 });
  await saveModelTo(model, join(runDir, "best_model"));
  writeFileSync(join(runDir, "summary.json"), JSON.stringify({ seed: 3, img_size: imgSize, window: "percentile", arch }));
  return { runDir, model };
}

test("loadRunModel loads the best model of any architecture train saves (the torchvision variant too) and predicts as the original does", async () => {
  for (const [arch, size] of [
    ["small-cnn", 16],
    ["efficientnet-b0-torchvision", 32],
  ] as const) {
    const { runDir, model } = await fakeRun(arch, arch, size);
    const loaded = await loadRunModel(tf, runDir, "model_1");
    expect(loaded.preprocessing).toEqual({ img_size: size, window: "percentile", channels: 1 });
    expect(loaded.gradcamLayer).not.toBe("");
    const images = [0, 1].map((k) => Float32Array.from({ length: size * size }, (_, i) => ((i * (k + 3)) % 17) / 17));
    const ours = predictProbabilities(tf, loaded.model, { images, imgSize: size, channels: 1 }, 2);
    const direct = tf.tidy(() => tf.softmax(model.predict(tf.tensor4d(Float32Array.from([...images[0]!, ...images[1]!]), [2, size, size, 1])) as tf.Tensor).arraySync() as number[][]);
    ours.forEach((row, i) => row.forEach((p, c) => expect(Math.abs(p - direct[i]![c]!)).toBeLessThan(1e-6)));
    loaded.model.dispose();
    model.dispose();
  }
}, 120_000);

test("checkPreprocessing names the first field that differs between two models", async () => {
  const a = await fakeRun("a", "small-cnn", 16);
  const b = await fakeRun("b", "small-cnn", 16);
  writeFileSync(join(b.runDir, "summary.json"), JSON.stringify({ seed: 4, img_size: 16, window: "voi" }));
  const models = [await loadRunModel(tf, a.runDir, "model_1"), await loadRunModel(tf, b.runDir, "model_2")];
  expect(() => checkPreprocessing(models, {})).toThrow(`--run ${b.runDir}: window "voi" differs from "percentile" of --run ${a.runDir}`);
  expect(checkPreprocessing(models.slice(0, 1), { channels: 1 })).toEqual({ img_size: 16, window: "percentile", channels: 1 });
  for (const m of models) m.model.dispose();
  a.model.dispose();
  b.model.dispose();
});
