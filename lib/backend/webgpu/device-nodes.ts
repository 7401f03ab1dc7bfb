import { existsSync, readdirSync } from "node:fs";

/**
 * The GPU device nodes of a Linux machine: /dev/nvidia0… (NVIDIA's driver) and
 * /dev/dri/renderD* (every DRM driver: AMD, Intel, NVIDIA's open modules). A hardware Vulkan
 * adapter needs one of them, so without any `auto` skips loading Dawn (a 21 MB module that
 * prints warnings) on CPU-only machines.
 */
export function gpuDeviceNodes(): string[] {
  const nodes: string[] = [];
  for (const [dir, pattern] of [["/dev", /^nvidia\d+$/], ["/dev/dri", /^renderD\d+$/]] as const) {
    if (!existsSync(dir)) continue;
    try {
      for (const name of readdirSync(dir)) if (pattern.test(name)) nodes.push(`${dir}/${name}`);
    } catch {
      // unreadable /dev: treat as none
    }
  }
  return nodes.sort();
}
