export { writeError, writeFileAtomic } from "./atomic.ts";
export { sha256, sha256File, canonicalJson, hashJson } from "./hash.ts";
export { SCHEMA_VERSION, envelopeSchema, writeArtifact, writeJsonAtomic, readJson, readArtifact } from "./json.ts";
export type { Envelope, WriteJsonOptions } from "./json.ts";
export { csvField, toCsv, writeCsvAtomic } from "./csv.ts";
export type { CsvValue } from "./csv.ts";
export { allocateRunDir } from "./rundir.ts";
