// Builds the native kernels (native/src, binding.gyp) with node-gyp at install time:
//
//   node native/build.mjs        (package.json "install" script, so `npm ci` runs it)
//
// It compiles for the instruction set of the machine that installs (-march=native: the machine
// that installs is the one that trains) and never fails the install: when there is no compiler,
// no node-gyp or no Node headers, it prints one line saying the native backend is unavailable
// and exits 0; `--backend auto` then uses wasm. Offline: it uses the node-gyp bundled with npm
// and the Node headers installed beside node (or npm's configured nodedir), never a download.
// MAMMO_NATIVE_SKIP=1 skips the build; MAMMO_NATIVE_MARCH=<gcc -march value> targets another
// instruction set than the installing machine's (e.g. x86-64 for the portable 4-wide path).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, "build", "Release", "mammo_native.node");

function unavailable(reason) {
  console.log(`mammo native backend unavailable (${reason}); --backend auto will use wasm`);
  process.exit(0);
}

/** node-gyp's entry point: npm's own (npm sets npm_config_node_gyp for scripts), else the global npm's copy. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  const npmRoot = spawnSync("npm", ["root", "-g"], { encoding: "utf8" });
  if (npmRoot.status === 0) candidates.push(join(npmRoot.stdout.trim(), "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  try {
    candidates.push(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not a local dependency
  }
  return candidates.find((c) => c && existsSync(c));
}

/** A directory with include/node/node_api.h: npm's nodedir, else the prefix node was installed under. */
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir];
  const config = spawnSync("npm", ["config", "get", "nodedir"], { encoding: "utf8" });
  if (config.status === 0) candidates.push(config.stdout.trim());
  candidates.push(dirname(dirname(process.execPath)));
  return candidates.find((c) => c && c !== "undefined" && existsSync(join(c, "include", "node", "node_api.h")));
}

if (process.env.MAMMO_NATIVE_SKIP === "1") unavailable("MAMMO_NATIVE_SKIP=1");
try {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) unavailable("node-gyp not found");
  const nodeDir = findNodeDir();
  if (!nodeDir) unavailable("Node headers (include/node/node_api.h) not found");
  const args = [nodeGyp, "rebuild", "--directory", here, `--nodedir=${nodeDir}`, "--jobs", "max", "--loglevel", "error"];
  if (process.env.MAMMO_NATIVE_MARCH) args.push(`--mammo_march=${process.env.MAMMO_NATIVE_MARCH}`);
  const build = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, npm_config_nodedir: nodeDir } });
  if (build.status !== 0) {
    const lines = `${build.stderr ?? ""}${build.stdout ?? ""}`.split("\n").filter((l) => /error/i.test(l));
    unavailable(`build failed: ${lines[0]?.trim() ?? build.error?.message ?? `node-gyp exited ${build.status}`}`);
  }
  const loaded = createRequire(import.meta.url)(addon);
  console.log(`mammo native backend built: ${addon} (${loaded.isa()}, ${loaded.threads()} threads)`);
} catch (err) {
  unavailable(err instanceof Error ? err.message : String(err));
}
