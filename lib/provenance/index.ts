import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, platform, arch, release } from "node:os";
import { createRequire } from "node:module";

/** Where and with what an artifact was made; recorded on every artifact. */
export interface Provenance {
  git_commit: string | null;
  git_dirty: boolean | null;
  bun: string | null;
  /**
   * Node.js: the runtime of this process under Node; under Bun, the `node` on the PATH (the one
   * npm installed with and node-gyp built the native addon for), or null when there is none.
   */
  node: string | null;
  /** Under Bun, the Node.js API level Bun reports in `process.versions.node` (not a Node.js install); null under Node. */
  bun_node_compat: string | null;
  tfjs: string | null;
  platform: string;
  arch: string;
  os_release: string;
  cpu: string;
  cpu_count: number;
  /**
   * The GPU the process computes on (vendor, architecture, device, description, driver,
   * software), once a GPU backend is initialised (recordDevice); absent otherwise. Fingerprints
   * are only comparable on the same GPU and driver.
   */
  gpu?: Record<string, string | boolean>;
}

let cached: Provenance | undefined;
let device: Record<string, string | boolean> | null = null;

/**
 * Records the GPU the backend runs on (null: none), so that every artifact written afterwards
 * carries it in its provenance. Called by lib/backend's initBackend.
 */
export function recordDevice(gpu: object | null): void {
  device = gpu === null ? null : ({ ...gpu } as Record<string, string | boolean>);
}

/** Provenance of this process (computed once; git is asked at most twice). */
export function provenance(): Provenance {
  cached ??= {
    ...gitState(process.cwd()),
    bun: typeof Bun === "undefined" ? null : Bun.version,
    node: typeof Bun === "undefined" ? process.versions.node : nodeOnPath(),
    bun_node_compat: typeof Bun === "undefined" ? null : process.versions.node,
    tfjs: packageVersion("@tensorflow/tfjs"),
    platform: platform(),
    arch: arch(),
    os_release: release(),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cpu_count: cpus().length,
  };
  return device === null ? cached : { ...cached, gpu: device };
}

/** `node --version` of the Node.js on the PATH, without the `v`; null when there is none. */
function nodeOnPath(): string | null {
  const out = spawnSync("node", ["--version"], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim().replace(/^v/, "") : null;
}

/** The commit checked out at `dir` and whether the tree differs from it: changed or new (not ignored) files (null outside git). */
export function gitState(dir: string): { git_commit: string | null; git_dirty: boolean | null } {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  if (head.status !== 0) return { git_commit: null, git_dirty: null };
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=normal"], { cwd: dir, encoding: "utf8" });
  return { git_commit: head.stdout.trim(), git_dirty: status.status === 0 ? status.stdout.trim().length > 0 : null };
}

/** The installed version of an npm package, or null when it is absent. */
export function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve(name);
    const marker = `/node_modules/${name}/`;
    const root = main.slice(0, main.lastIndexOf(marker) + marker.length);
    return (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}
