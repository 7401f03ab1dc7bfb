export { encodeDicom, IMPLEMENTATION_CLASS_UID } from "./encode.ts";
export { DICOM_ENCODINGS, MG_FOR_PRESENTATION_SOP_CLASS, TRANSFER_SYNTAX_UID, storedRange } from "./spec.ts";
export type { DicomEncoding, DicomWriteSpec, DicomWriteTags } from "./spec.ts";
export { encodeRle } from "./rle.ts";
