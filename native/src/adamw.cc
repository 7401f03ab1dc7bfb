// Compiled without floating-point contraction: every operation is rounded as a tfjs op would be.
#pragma GCC optimize("fp-contract=off")
#include "adamw.h"

#include <algorithm>
#include <cmath>

#include "pool.h"

namespace mammo {

void adamw_update(const float* w, const float* g, const float* m, const float* v, int64_t n, const AdamWConstants& k, float* wOut,
                  float* mOut, float* vOut) {
  const bool decays = k.decay != 1.f;
  parallel_for(ceil_div(n, 16384), [&](int64_t t) {
    const int64_t i1 = std::min(n, (t + 1) * 16384);
    for (int64_t i = t * 16384; i < i1; i++) {
      const float gi = g[i];
      const float mi = m[i] * k.beta1 + gi * k.oneMinusBeta1;
      const float vi = v[i] * k.beta2 + (gi * gi) * k.oneMinusBeta2;
      const float wi = decays ? w[i] * k.decay : w[i];
      const float denom = std::sqrt(vi) / k.sqrtBiasCorrection2 + k.epsilon;
      wOut[i] = wi - (mi / denom) * k.stepSize;
      mOut[i] = mi;
      vOut[i] = vi;
    }
  });
}

}  // namespace mammo
