export { STREAM_SCHEME, deriveSeed, stream } from "./streams.ts";
export type { Rng } from "./streams.ts";
export { SEED_SOURCES, SOURCE_MEANING, SOURCE_STREAMS, describeSourceSeeds, overriddenSources, parseSources, sourceParam, sourceSeeds } from "./sources.ts";
export type { SeedSource, SourceOverrides, SourceSeeds } from "./sources.ts";
