// Builds the self-contained GPU benchmark bundle: everything bench/gpu.ts needs on a GPU machine
// with no Node, Bun or npm (and no network), in one directory and one tar file of at most 64 MiB:
//
//   bun bench/gpu-bundle/build.ts [outdir=out/gpu-bundle]
//
//   run.sh                 the one start script (bench/gpu-bundle/run.sh)
//   gpu-bench.js           bench/gpu.ts and the project code it uses, bundled by `bun build`
//   gpu_torch.py           the PyTorch peer
//   bun.xz                 the Bun runtime (linux-x64, from the npm `bun` package), xz-compressed
//   node_modules/webgpu/   Dawn's Node bindings: index.js, package.json, dist/linux-x64/dawn.node.xz
//   lib/libvulkan.so.1.xz  the Vulkan loader of this machine, used only where the GPU machine has none
//
// and <outdir>.tar holding the same. On the GPU machine: `tar xf gpu-bundle.tar && sh gpu-bundle/run.sh`.
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";

const LIMIT = 64 * 2 ** 20;
const root = join(import.meta.dir, "..", "..");
const out = join(root, process.argv[2] ?? "out/gpu-bundle");
const require = createRequire(join(root, "package.json"));

function xz(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  const level = process.env.MAMMO_BUNDLE_XZ_LEVEL ?? "6";
  const run = Bun.spawnSync(["xz", `-${level}`, "-T0", "-c", src], { stdout: Bun.file(dest), stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`xz ${src} failed: ${run.stderr.toString()}`);
}

function bunBinary(): string {
  // the npm package's postinstall puts the real binary at bin/bun.exe (a hard link to @oven/bun-linux-x64's)
  const candidates = [join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe"), process.execPath];
  const found = candidates.find((p) => existsSync(p) && statSync(p).size > 10 * 2 ** 20);
  if (!found) throw new Error(`no Bun binary among ${candidates.join(", ")}`);
  return realpathSync(found);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const built = await Bun.build({ entrypoints: [join(root, "bench", "gpu.ts")], target: "bun", minify: true, outdir: out, naming: "gpu-bench.js" });
if (!built.success) throw new Error(`bun build failed:\n${built.logs.join("\n")}`);
copyFileSync(join(import.meta.dir, "run.sh"), join(out, "run.sh"));
copyFileSync(join(root, "bench", "gpu_torch.py"), join(out, "gpu_torch.py"));

const webgpu = dirname(require.resolve("webgpu/package.json"));
const webgpuOut = join(out, "node_modules", "webgpu");
mkdirSync(join(webgpuOut, "dist", "linux-x64"), { recursive: true });
for (const file of ["index.js", "package.json", "LICENSE.md"]) if (existsSync(join(webgpu, file))) copyFileSync(join(webgpu, file), join(webgpuOut, file));
xz(join(webgpu, "dist", "linux-x64", "dawn.node"), join(webgpuOut, "dist", "linux-x64", "dawn.node.xz"));
xz(bunBinary(), join(out, "bun.xz"));
const loader = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";
if (existsSync(loader)) xz(realpathSync(loader), join(out, "lib", "libvulkan.so.1.xz"));

writeFileSync(
  join(out, "README.txt"),
  [
    "mammo-density GPU benchmark (bench/gpu.ts), self-contained: no Node, Bun, npm or network needed.",
    "  sh run.sh                        EfficientNet-B0 at 224 and 512 px, batch 16, beside PyTorch fp32 and AMP",
    "  sh run.sh --json results.json    the same, with every figure in results.json",
    "  sh run.sh --python none          without the PyTorch peer",
    "Needs: Linux x86-64, a Vulkan-capable GPU driver (NVIDIA: the driver's graphics/Vulkan part), libstdc++;",
    "for the PyTorch peer, python3 with torch (CUDA) and torchvision.",
    "",
  ].join("\n"),
);

// one tar of the directory (its large parts are already xz-compressed)
const tar = `${out}.tar`;
rmSync(tar, { force: true });
const packed = Bun.spawnSync(["tar", "-cf", tar, "-C", dirname(out), basename(out)]);
if (packed.exitCode !== 0) throw new Error(`tar failed: ${packed.stderr.toString()}`);
const size = statSync(tar).size;
console.log(`${relative(root, tar)}: ${(size / 2 ** 20).toFixed(1)} MiB (limit 64 MiB)`);
for (const f of ["gpu-bench.js", "bun.xz", "node_modules/webgpu/dist/linux-x64/dawn.node.xz", "lib/libvulkan.so.1.xz"]) {
  if (existsSync(join(out, f))) console.log(`  ${f}: ${(statSync(join(out, f)).size / 2 ** 20).toFixed(1)} MiB`);
}
if (size > LIMIT) {
  console.error(`the bundle is ${(size / 2 ** 20).toFixed(1)} MiB, over the 64 MiB limit`);
  process.exit(1);
}

