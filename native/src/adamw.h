// One AdamW update of a variable in a single pass (lib/train/adamw.ts's formula).
#pragma once
#include <cstdint>

namespace mammo {

/** The float32 constants of one update, each rounded to float32 as tfjs's scalar tensors are. */
struct AdamWConstants {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  /** 1 − lr·weightDecay; 1 (exactly) skips the decay multiply. */
  float decay;
  float sqrtBiasCorrection2, epsilon;
  /** lr / biasCorrection1. */
  float stepSize;
};

/**
 * m' = m·β1 + g·(1 − β1); v' = v·β2 + g²·(1 − β2); w' = w·decay − (m' / (√v'/√bc2 + ε))·stepSize,
 * each operation rounded to float32 in that order (no fused multiply-add), so the result is
 * bit-identical to the same update written as tfjs ops. In place is allowed (w' = w, …).
 */
void adamw_update(const float* w, const float* g, const float* m, const float* v, int64_t n, const AdamWConstants& k, float* wOut,
                  float* mOut, float* vOut);

}  // namespace mammo
