import { TaskError, errorMessage } from "../errors/index.ts";

/** The packages that register tfjs's "tensorflow" backend (libtensorflow), in order of preference. */
export const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/**
 * Imports the first installed tfjs-node package, which registers the "tensorflow" backend.
 * Both are optional dependencies (their install downloads libtensorflow), so "not installed" is an
 * expected outcome and gets its own error code; an installed package that fails to load (no
 * libtensorflow, a CUDA mismatch) is reported with the loader's message.
 */
export async function loadTensorflow(): Promise<Record<string, string>> {
  for (const pkg of TENSORFLOW_PACKAGES) {
    let mod: { version?: Record<string, string> };
    try {
      // A variable specifier: neither package is a compile-time dependency.
      const specifier: string = pkg;
      mod = (await import(specifier)) as typeof mod;
    } catch (err) {
      if (isNotInstalled(err, pkg)) continue;
      throw new TaskError("backend_load_failed", `backend tensorflow: ${pkg} is installed but failed to load: ${errorMessage(err)}`, {
        exitCode: 1,
        cause: err,
      });
    }
    const details: Record<string, string> = { package: pkg };
    const version = mod.version?.["tfjs-node"];
    if (version !== undefined) details.version = version;
    return details;
  }
  throw new TaskError(
    "backend_unavailable",
    `backend tensorflow unavailable: neither ${TENSORFLOW_PACKAGES.join(" nor ")} is installed ` +
      "(they download libtensorflow at install time); use --backend wasm",
    { exitCode: 2 },
  );
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && errorMessage(err).includes(`'${pkg}'`);
}
