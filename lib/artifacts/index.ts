export { writeError, writeFileAtomic } from "./atomic.ts";
export { sha256, sha256File, canonicalJson, hashJson } from "./hash.ts";
export { SCHEMA_VERSION, envelope, envelopeSchema, writeArtifact, writeJsonAtomic, readJson, readArtifact } from "./json.ts";
export type { Envelope, WriteJsonOptions } from "./json.ts";
export { csvField, toCsv, writeCsvAtomic } from "./csv.ts";
export type { CsvValue } from "./csv.ts";
export { allocateRunDir } from "./rundir.ts";
export { csvInt, csvNumber, defineArtifact, enveloped, numericRow, provenanceKind } from "./contract.ts";
export type { ArtifactBody, ArtifactContract, ArtifactFormat } from "./contract.ts";
export {
  checkedJson,
  contractCsvText,
  contractJsonText,
  contractJsonlText,
  expectContract,
  provenanceSidecarJson,
  provenanceSidecarSchema,
  sidecarPath,
  writeContractJson,
  writeEnvelopedJson,
  writeWithSidecar,
} from "./checked.ts";
