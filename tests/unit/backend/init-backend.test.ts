import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { gpuDeviceNodes, initBackend } from "../../../lib/backend/index.ts";
import { nativeBuilt } from "../../../lib/backend/native/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { describeWith } from "../../support/requirements.ts";

/** Whether an optional tfjs-node package is installed on this machine. */
function installed(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasTensorflow = installed("@tensorflow/tfjs-node-gpu") || installed("@tensorflow/tfjs-node");

function recorder() {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(`INFO ${m}`), warn: (m: string) => lines.push(`WARN ${m}`), debug: (m: string) => lines.push(`DEBUG ${m}`) } };
}

describe("initBackend", () => {
  test('initBackend("wasm") runs tfjs on wasm, single-threaded, with the project kernels', async () => {
    const backend = await initBackend("wasm");
    expect(backend.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(backend.details.threads).toBe("1");
    expect(backend.details.package).toBe("@tensorflow/tfjs-backend-wasm");
    expect(backend.details.projectKernels?.split(",")).toContain("Conv2DBackpropFilter");
    expect(tf.getKernel("DepthwiseConv2dNativeBackpropFilter", "wasm")).toBeDefined();
  });

  test('initBackend("cpu") switches to the pure-JS backend', async () => {
    const backend = await initBackend("cpu");
    expect(backend.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    await initBackend("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  test('initBackend("native") where the addon was not built is a TaskError with exit code 2 naming the missing file', () => {
    // MAMMO_NATIVE_ADDON points the loader at a file that does not exist: the state of a machine without a compiler
    const missing = join(tmpdir(), "mammo-no-such-dir", "mammo_native.node");
    const code = `import { initBackend } from ${JSON.stringify(join(import.meta.dir, "../../../lib/backend/index.ts"))};
      const err = await initBackend("native").catch((e) => e);
      console.log(JSON.stringify({ name: err?.constructor?.name, exitCode: err?.exitCode, message: err?.message }));`;
    const run = Bun.spawnSync([process.execPath, "-e", code], { env: { ...process.env, MAMMO_NATIVE_ADDON: missing } });
    const err = JSON.parse(run.stdout.toString().trim().split("\n").at(-1)!) as { name: string; exitCode: number; message: string };
    expect(err.name).toBe("TaskError");
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${missing} was not built`);
  });

  describeWith(["native addon"])("with the addon built", () => {
    test('initBackend("native") runs tfjs on the project\'s native kernels', async () => {
      const backend = await initBackend("native");
      expect(backend.name).toBe("native");
      expect(tf.getBackend()).toBe("native");
      await initBackend("wasm");
      expect(tf.getBackend()).toBe("wasm");
    });
  });

  test.skipIf(hasTensorflow)('initBackend("tensorflow") without tfjs-node is one clear TaskError (exit 2) naming both packages', async () => {
    const err = await initBackend("tensorflow").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).exitCode).toBe(2);
    expect((err as TaskError).message).toBe(
      "backend tensorflow unavailable: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed " +
        "(they download libtensorflow at install time); use --backend wasm",
    );
  });

  test.skipIf(hasTensorflow || gpuDeviceNodes().length > 0)('initBackend("auto") without a GPU or tfjs-node picks native when built, else wasm, and logs why', async () => {
    const { lines, log } = recorder();
    const backend = await initBackend("auto", log);
    // no GPU device node: answered without loading Dawn
    const skipGpu = expect.stringMatching(/^DEBUG backend auto: skipping gpu: no GPU: no GPU device node \(\/dev\/nvidia\*, \/dev\/dri\/renderD\*\); @tensorflow\/tfjs-node-gpu is not installed$/);
    const skipTensorflow = expect.stringMatching(/^DEBUG backend auto: skipping tensorflow: backend tensorflow unavailable/);
    if (nativeBuilt()) {
      expect(backend.name).toBe("native");
      expect(lines).toEqual([skipGpu, skipTensorflow, "INFO backend: native (auto: best available)"]);
    } else {
      expect(backend.name).toBe("wasm");
      expect(lines).toEqual([skipGpu, skipTensorflow, expect.stringMatching(/^DEBUG backend auto: skipping native: .*not built/), "INFO backend: wasm (auto: tensorflow and native unavailable)"]);
    }
    await initBackend("wasm");
  });

  test('initBackend("wasm") removes the process error listeners the wasm runtime installs', () => {
    // In a fresh process: here the backend may already be up from another test.
    const script = [
      'import { initBackend } from "./lib/backend/index.ts";',
      'const count = () => process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length;',
      "const before = count();",
      'await initBackend("wasm");',
      "console.log(JSON.stringify([before, count()]));",
    ].join("\n");
    const run = Bun.spawnSync([process.execPath, "-e", script], { cwd: join(import.meta.dir, "..", "..", "..") });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toEqual([0, 0]);
  });

  test.skipIf(!hasTensorflow)('initBackend("auto") with tfjs-node installed picks tensorflow', async () => {
    const backend = await initBackend("auto");
    expect(backend.name).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    await initBackend("wasm");
  });
});
