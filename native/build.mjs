// Builds the native kernels (native/src, binding.gyp) with node-gyp at install time:
//
//   node native/build.mjs              (package.json "install" script, so `npm ci` runs it)
//   node native/build.mjs --sanitize   (or MAMMO_NATIVE_SANITIZE=1: ASan + UBSan build, below)
//
// It compiles for the instruction set of the machine that installs (-march=native: the machine
// that installs is the one that trains). On a developer's machine it never fails the install:
// when there is no compiler, no node-gyp or no Node headers, it prints one line saying the native
// backend is unavailable and exits 0; `--backend auto` then uses wasm. In CI (MAMMO_CI=1) the same
// failure exits 1, so a missing addon cannot pass unnoticed. Offline: it uses the node-gyp bundled
// with npm and the Node headers installed beside node (or npm's configured nodedir), never a
// download. MAMMO_NATIVE_SKIP=1 skips the build; MAMMO_NATIVE_MARCH=<gcc -march value> targets
// another instruction set than the installing machine's (e.g. x86-64 for the portable 4-wide path).
//
// --sanitize builds with -fsanitize=address,undefined into native/build-sanitize/ (its own
// binding.gyp there points at ../src), leaving native/build alone; a failure always exits 1.
// Load it with MAMMO_NATIVE_ADDON=<path printed> and the ASan runtime preloaded:
//   LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 MAMMO_NATIVE_ADDON=… bun test tests/unit/native
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sanitize = process.argv.includes("--sanitize") || process.env.MAMMO_NATIVE_SANITIZE === "1";
const inCI = process.env.MAMMO_CI === "1";
/** The directory node-gyp runs in: native/ itself, or native/build-sanitize/ for the sanitizer build. */
const gypDir = sanitize ? join(here, "build-sanitize") : here;
const addon = join(gypDir, "build", "Release", "mammo_native.node");

function unavailable(reason) {
  if (sanitize || inCI) {
    console.error(`mammo native ${sanitize ? "sanitizer build" : "backend"} failed (${reason})${inCI ? "; MAMMO_CI=1: a missing addon fails CI" : ""}`);
    process.exit(1);
  }
  console.log(`mammo native backend unavailable (${reason}); --backend auto will use wasm`);
  process.exit(0);
}

/** native/build-sanitize/binding.gyp: native/binding.gyp with its sources seen from there. */
function writeSanitizeGyp() {
  const gyp = JSON.parse(readFileSync(join(here, "binding.gyp"), "utf8"));
  for (const target of gyp.targets) target.sources = target.sources.map((s) => join("..", s));
  mkdirSync(gypDir, { recursive: true });
  writeFileSync(join(gypDir, "binding.gyp"), `${JSON.stringify(gyp, null, 2)}\n`);
}

/** The sanitizer build loads only with the ASan runtime first: check it in a child that preloads it. */
function describeSanitized() {
  const asan = spawnSync("gcc", ["-print-file-name=libasan.so"], { encoding: "utf8" }).stdout?.trim();
  const code = `const a = require(${JSON.stringify(addon)}); console.log(a.isa() + ", " + a.threads() + " threads, ASan + UBSan")`;
  const child = spawnSync(process.execPath, ["-e", code], {
    encoding: "utf8",
    env: { ...process.env, LD_PRELOAD: asan, ASAN_OPTIONS: "detect_leaks=0" },
  });
  if (child.status !== 0) unavailable(`the sanitizer build does not load with LD_PRELOAD=${asan}: ${child.stderr.trim().split("\n")[0]}`);
  return child.stdout.trim();
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

if (process.env.MAMMO_NATIVE_SKIP === "1" && !sanitize) unavailable("MAMMO_NATIVE_SKIP=1");
try {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) unavailable("node-gyp not found");
  const nodeDir = findNodeDir();
  if (!nodeDir) unavailable("Node headers (include/node/node_api.h) not found");
  if (sanitize) writeSanitizeGyp();
  const args = [nodeGyp, "rebuild", "--directory", gypDir, `--nodedir=${nodeDir}`, "--jobs", "max", "--loglevel", "error"];
  if (process.env.MAMMO_NATIVE_MARCH) args.push(`--mammo_march=${process.env.MAMMO_NATIVE_MARCH}`);
  if (sanitize) args.push("--mammo_sanitize=1");
  const build = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, npm_config_nodedir: nodeDir } });
  if (build.status !== 0) {
    const lines = `${build.stderr ?? ""}${build.stdout ?? ""}`.split("\n").filter((l) => /error/i.test(l));
    unavailable(`build failed: ${lines[0]?.trim() ?? build.error?.message ?? `node-gyp exited ${build.status}`}`);
  }
  if (sanitize) {
    console.log(`mammo native sanitizer build: ${addon} (${describeSanitized()})`);
  } else {
    const loaded = createRequire(import.meta.url)(addon);
    console.log(`mammo native backend built: ${addon} (${loaded.isa()}, ${loaded.threads()} threads)`);
  }
} catch (err) {
  unavailable(err instanceof Error ? err.message : String(err));
}
