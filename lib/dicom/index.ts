export { DicomError } from "./errors.ts";
export type { DicomFailure } from "./errors.ts";
export { readDicomTags } from "./header.ts";
export type { DicomTags } from "./header.ts";
export { decodeDicom } from "./decode.ts";
export type { DecodedImage } from "./decode.ts";
export { preprocess, loadPreprocessed } from "./preprocess.ts";
export type { PreprocessOptions } from "./preprocess.ts";
