export { STREAM_SCHEME, deriveSeed, stream } from "./streams.ts";
export type { Rng } from "./streams.ts";
