export { buildModel } from "./build.ts";
export type { Arch, BuiltModel, ModelSpec } from "./build.ts";
export { gradcam } from "./gradcam.ts";
export { loadModelFrom, saveModelTo, weightsSha256 } from "./io.ts";
export { loadPretrained } from "./pretrained.ts";
export type { PretrainedReport } from "./pretrained.ts";
export { SeededDropout, setDropoutStep } from "./seeded-dropout.ts";
