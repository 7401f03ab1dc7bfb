import { readFileSync, statSync } from "node:fs";
import { usageError } from "../../errors/index.ts";
import { readPth } from "./pth.ts";
import { readSafetensors } from "./safetensors.ts";
import type { StateDict } from "./tensor.ts";

export { ALLOWED_GLOBALS, readPth } from "./pth.ts";
export { readSafetensors } from "./safetensors.ts";
export { permuteAxes } from "./tensor.ts";
export type { LoadedTensor, StateDict, TorchDtype } from "./tensor.ts";

/** Which reader a file needs, from its first bytes (not its name). */
export type WeightsFileFormat = "pth" | "safetensors";

/**
 * Reads a PyTorch weights file into tensors by name: a `torch.save` zip archive (.pth, .pt,
 * .bin) or a `.safetensors` file, told apart by content. Never executes anything from the file.
 * The legacy (pre-1.6) torch.save format is refused with a clear message.
 */
export function readStateDict(file: string): { format: WeightsFileFormat; tensors: StateDict } {
  let bytes: Uint8Array;
  try {
    if (!statSync(file).isFile()) throw new Error("not a file");
    bytes = readFileSync(file);
  } catch (err) {
    throw usageError("pretrained_unreadable", `cannot read pretrained weights ${file}: ${(err as Error).message}`);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return { format: "pth", tensors: readPth(bytes, file) };
  if (bytes.byteLength >= 9 && bytes[8] === 0x7b) return { format: "safetensors", tensors: readSafetensors(bytes, file) };
  if (bytes[0] === 0x80) {
    throw usageError("pretrained_unreadable", `${file}: a legacy (PyTorch < 1.6) torch.save file; re-save it with PyTorch ≥ 1.6: torch.save(torch.load(f, weights_only=True), "new.pth")`);
  }
  throw usageError("pretrained_unreadable", `${file}: neither a torch.save zip archive nor a .safetensors file (first bytes ${Buffer.from(bytes.subarray(0, 8)).toString("hex")})`);
}
