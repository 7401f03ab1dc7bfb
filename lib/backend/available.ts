import { createRequire } from "node:module";
import { loadAddon, nativeBuilt } from "./native/addon.ts";
import { TENSORFLOW_PACKAGES } from "./tensorflow.ts";

/** A backend that can start on this machine, and the name its reproducibility references go under. */
export interface AvailableBackend {
  /** `--backend` value. */
  name: "wasm" | "native" | "tensorflow" | "cpu";
  /**
   * Bits are only comparable within one backend and instruction set: `wasm`, `cpu`,
   * `native-<isa>` (`native-avx512`, `native-avx2-fma`, `native-portable-4`), `tensorflow-<package>`.
   */
  key: string;
}

/** The reference key of `name` here (see {@link AvailableBackend.key}). */
export function referenceKey(name: AvailableBackend["name"]): string {
  if (name === "native") return `native-${loadAddon().isa()}`;
  if (name === "tensorflow") return `tensorflow-${installedTensorflow() ?? "none"}`;
  return name;
}

function installedTensorflow(): string | null {
  const require = createRequire(import.meta.url);
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      require.resolve(pkg);
      return pkg.replace("@tensorflow/", "");
    } catch {
      // Not installed (an optional dependency).
    }
  }
  return null;
}

/**
 * The training backends that can start here, found without starting them: wasm always, native
 * when its addon is built, tensorflow when tfjs-node(-gpu) is installed. (cpu, the pure-JS
 * reference, is too slow to be a default.)
 */
export function availableBackends(): AvailableBackend[] {
  const out: AvailableBackend[] = [{ name: "wasm", key: "wasm" }];
  if (nativeBuilt()) out.push({ name: "native", key: referenceKey("native") });
  if (installedTensorflow()) out.push({ name: "tensorflow", key: referenceKey("tensorflow") });
  return out;
}
