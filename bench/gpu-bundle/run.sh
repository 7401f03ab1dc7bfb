#!/bin/sh
# The one start script of the GPU benchmark bundle (built by bench/gpu-bundle/build.ts): runs
# bench/gpu.ts on a GPU machine that has no Node, Bun or npm, and no network.
#
#   sh run.sh [--sizes 224,512] [--batch 16] [--steps 20] [--warmup 3] [--python python3|none] [--json results.json]
#
# It unpacks the Bun runtime and Dawn's dawn.node (xz; with `xz` or, failing that, python3's
# lzma) into $MAMMO_BUNDLE_DIR (default: .run beside this script, else a temporary directory),
# supplies the Vulkan loader when the system has none, points the loader at NVIDIA's Vulkan driver
# when the driver is there without its ICD file (containers given only the compute capability),
# then runs the benchmark. The PyTorch peer needs python3 with torch (CUDA) and torchvision.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
run="${MAMMO_BUNDLE_DIR:-$here/.run}"
if ! mkdir -p "$run" 2>/dev/null || [ ! -w "$run" ]; then run="$(mktemp -d "${TMPDIR:-/tmp}/mammo-gpu-bench.XXXXXX")"; fi

unpack() { # unpack SRC.xz to DEST once
  [ -s "$2" ] && return 0
  mkdir -p "$(dirname "$2")"
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" >"$2.part"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2.part"
  else
    echo "run.sh: need xz or python3 to unpack $1" >&2
    exit 1
  fi
  mv "$2.part" "$2"
}

unpack "$here/bun.xz" "$run/bun"
chmod +x "$run/bun"
mkdir -p "$run/node_modules/webgpu/dist/linux-x64"
cp "$here/gpu-bench.js" "$here/gpu_torch.py" "$run/"
cp "$here/node_modules/webgpu/index.js" "$here/node_modules/webgpu/package.json" "$run/node_modules/webgpu/"
unpack "$here/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$run/node_modules/webgpu/dist/linux-x64/dawn.node"

# Dawn loads libvulkan.so.1 (the Vulkan loader); ship one where the system has none.
if ! (ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 ') && [ -f "$here/lib/libvulkan.so.1.xz" ]; then
  unpack "$here/lib/libvulkan.so.1.xz" "$run/lib/libvulkan.so.1"
  LD_LIBRARY_PATH="$run/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
  echo "run.sh: using the bundled Vulkan loader (the system has no libvulkan.so.1)"
fi
# NVIDIA's Vulkan driver is libGLX_nvidia.so.0; without an ICD file naming it the loader cannot find it.
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
  if ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0 '; then
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3"}}\n' >"$run/nvidia_icd.json"
    VK_ICD_FILENAMES="$run/nvidia_icd.json"
    VK_DRIVER_FILES="$run/nvidia_icd.json"
    export VK_ICD_FILENAMES VK_DRIVER_FILES
    echo "run.sh: no NVIDIA Vulkan ICD file; pointing the Vulkan loader at libGLX_nvidia.so.0"
  fi
fi
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/run.sh: GPU /' || true; fi

cd "$here"
exec "$run/bun" "$run/gpu-bench.js" "$@"
