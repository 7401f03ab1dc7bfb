// The native backend's patches of tfjs internals (issue 20 item 5): BatchNormalization.call and
// swish's apply (layers.ts) and the Mean gradient (gradients.ts) are installed only when
// setBackend("native") creates the backend, only on the tfjs version they were written for, and
// uninstallNativePatches puts tfjs's own function objects back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { installNativePatches, nativePatchesInstalled, registerNativeBackend, uninstallNativePatches } from "../../../lib/backend/native/index.ts";
import { layerPrototypes } from "../../../lib/backend/native/layers.ts";
import { PATCHED_TFJS_VERSION, assertPatchableTfjs } from "../../../lib/backend/native/tfjs-version.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { describeWith } from "../../support/requirements.ts";
import { notBuilt, relativeError, restoreBackend, useNative } from "./harness.ts";

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (notBuilt) return;
  // later files expect the backend as registerNativeBackend + setBackend("native") leave it
  await tf.setBackend("native");
  installNativePatches(tf);
  await restoreBackend();
});

const root = new URL("../../../", import.meta.url);

describe("the tfjs version the patches were written for", () => {
  test("package.json pins every @tensorflow package to exactly PATCHED_TFJS_VERSION, the version package-lock.json installs", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as Record<string, Record<string, string> | undefined>;
    const pins = Object.entries({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies }).filter(([name]) => name.startsWith("@tensorflow/"));
    expect(pins.length).toBeGreaterThanOrEqual(4);
    for (const [name, range] of pins) expect({ name, range }).toEqual({ name, range: PATCHED_TFJS_VERSION });
    const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as { packages: Record<string, { version?: string }> };
    for (const name of ["tfjs", "tfjs-core", "tfjs-layers", "tfjs-backend-cpu"]) expect(lock.packages[`node_modules/@tensorflow/${name}`]?.version).toBe(PATCHED_TFJS_VERSION);
    expect([tf.version_layers, tf.version_core]).toEqual([PATCHED_TFJS_VERSION, PATCHED_TFJS_VERSION]);
  });

  test("another tfjs-layers or tfjs-core is refused with a TaskError (exit 2) naming both versions", () => {
    expect(() => assertPatchableTfjs({ layers: PATCHED_TFJS_VERSION, core: PATCHED_TFJS_VERSION })).not.toThrow();
    for (const [versions, pkg] of [[{ layers: "4.21.0", core: PATCHED_TFJS_VERSION }, "tfjs-layers"], [{ layers: PATCHED_TFJS_VERSION, core: "5.0.0" }, "tfjs-core"]] as const) {
      let err: unknown;
      try {
        assertPatchableTfjs(versions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).exitCode).toBe(2);
      const found = pkg === "tfjs-layers" ? "4.21.0" : "5.0.0";
      expect((err as TaskError).message).toContain(`written for @tensorflow/${pkg} ${PATCHED_TFJS_VERSION}, but ${found} is installed`);
    }
  });
});

/** What the patches replace, as they are now. */
function members() {
  const { batchNorm, swish } = layerPrototypes(tf);
  return { call: batchNorm.call, apply: swish.apply, mean: tf.getGradient("Mean") };
}

/** A training-mode batch norm, swish and mean, forward and gradient, on `backend`: every value computed, and the kernels run. */
async function forwardAndGradient(backend: string): Promise<{ y: Float32Array; dx: Float32Array; kernels: string[] }> {
  await tf.setBackend(backend);
  const bn = tf.layers.batchNormalization({ axis: -1, gammaInitializer: "ones", betaInitializer: "zeros" });
  const act = tf.layers.activation({ activation: "swish" });
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => Math.sin(i * 0.7) * 3 + (i % 4)), [2, 3, 3, 4]);
  const f = (t: tf.Tensor) => tf.mean(act.apply(bn.apply(t, { training: true }) as tf.Tensor) as tf.Tensor, [1, 2]).sum();
  const profile = await tf.profile(() => tf.grad(f)(x));
  const dx = profile.result as tf.Tensor;
  const y = act.apply(bn.apply(x, { training: true }) as tf.Tensor) as tf.Tensor;
  const out = { y: y.dataSync().slice() as Float32Array, dx: dx.dataSync().slice() as Float32Array, kernels: profile.kernelNames };
  tf.dispose([x, y, dx]);
  bn.dispose();
  return out;
}

describeWith(["native addon"])("installing and uninstalling the patches", () => {
  test("registering the backend patches nothing; setBackend('native') installs the patches; uninstall puts tfjs's own objects back", async () => {
    await tf.setBackend("cpu");
    uninstallNativePatches(tf);
    tf.removeBackend("native");
    const originals = members();
    expect(nativePatchesInstalled()).toBe(false);

    await registerNativeBackend(tf);
    expect(nativePatchesInstalled()).toBe(false);
    expect(members()).toEqual(originals);
    expect(members().call).toBe(originals.call);

    expect(await tf.setBackend("native")).toBe(true);
    expect(nativePatchesInstalled()).toBe(true);
    const patched = members();
    expect([patched.call === originals.call, patched.apply === originals.apply, patched.mean === originals.mean]).toEqual([false, false, false]);

    uninstallNativePatches(tf);
    expect(nativePatchesInstalled()).toBe(false);
    const back = members();
    expect([back.call === originals.call, back.apply === originals.apply, back.mean === originals.mean]).toEqual([true, true, true]);
  });

  test("cpu results are bit-identical with the patches never installed, installed and uninstalled; native runs tfjs's composition after uninstall", async () => {
    uninstallNativePatches(tf);
    const before = await forwardAndGradient("cpu");
    installNativePatches(tf);
    const during = await forwardAndGradient("cpu");
    const nativeFused = await forwardAndGradient("native");
    uninstallNativePatches(tf);
    const after = await forwardAndGradient("cpu");
    const nativePlain = await forwardAndGradient("native");

    expect(Array.from(during.y)).toEqual(Array.from(before.y));
    expect(Array.from(during.dx)).toEqual(Array.from(before.dx));
    expect(Array.from(after.y)).toEqual(Array.from(before.y));
    expect(Array.from(after.dx)).toEqual(Array.from(before.dx));
    expect(before.kernels).not.toContain("MammoNativeBatchNormTrain");

    expect(nativeFused.kernels).toEqual(expect.arrayContaining(["MammoNativeBatchNormTrain", "MammoNativeSwish", "MammoNativeBroadcastDiv"]));
    expect(nativePlain.kernels.filter((k) => k.startsWith("MammoNative"))).toEqual([]);
    for (const run of [nativeFused, nativePlain]) {
      expect(relativeError(run.y, before.y)).toBeLessThanOrEqual(1e-5);
      expect(relativeError(run.dx, before.dx)).toBeLessThanOrEqual(1e-5);
    }
  });
});
