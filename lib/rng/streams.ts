import { createHash } from "node:crypto";
import seedrandom from "seedrandom";

/**
 * Version of the derivation scheme below. It is recorded in `seeds.json` and in every summary,
 * so that a change here is visible as a change of scheme, never as silent drift.
 */
export const STREAM_SCHEME = "sha256-v1";

/**
 * A 32-bit seed for the named stream `purpose` under `rootSeed`, e.g. ("42", "shuffle/epoch/3").
 * Derived by hashing, so adding a consumer never shifts another consumer's numbers.
 * Never 0: tfjs treats a seed of 0 as "no seed" for normal draws.
 */
export function deriveSeed(rootSeed: number | string, purpose: string): number {
  const digest = createHash("sha256").update(`${STREAM_SCHEME}\0${rootSeed}\0${purpose}`).digest();
  const value = digest.readUInt32LE(0);
  return value === 0 ? 1 : value;
}

/** A deterministic random stream; the only source of randomness a task may use. */
export interface Rng {
  /** The stream's purpose path, for provenance. */
  readonly purpose: string;
  /** Uniform in [0, 1), 53-bit precision. */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal draw (Box–Muller). */
  normal(): number;
  /** A fresh 32-bit, non-zero seed (for tfjs initialisers, dropout, …). */
  seed(): number;
  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** A child stream `purpose/sub`, independent of this one's position. */
  child(sub: string): Rng;
}

export function stream(rootSeed: number | string, purpose: string): Rng {
  const prng = seedrandom(String(deriveSeed(rootSeed, purpose)));
  let spareNormal: number | undefined;
  const rng: Rng = {
    purpose,
    float: () => prng.double(),
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
      return Math.floor(prng.double() * n);
    },
    normal() {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = prng.double();
      const v = prng.double();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    seed() {
      const s = prng.int32() >>> 0;
      return s === 0 ? 1 : s;
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(prng.double() * (i + 1));
        const t = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = t;
      }
      return out;
    },
    child: (sub) => stream(rootSeed, `${purpose}/${sub}`),
  };
  return rng;
}
