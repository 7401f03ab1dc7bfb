// Vectorised exp for the activation kernels (Cephes' single-precision polynomial, ~1 ulp over
// the normal range), so sigmoid/swish/elu run at memory speed instead of one libm call per value.
#pragma once
#include <cmath>

#include "simd.h"

namespace mammo {

static inline vf vexp(vf x) {
  const vf hi = vbroadcast(88.3762626647949f), lo = vbroadcast(-87.3365478515625f);
  // below lo the result is subnormal: compute exp(x + 64·ln 2) and scale by 2^-64
  const vi tiny = x < lo;
  const vf xs = tiny ? x + vbroadcast(44.3614195558365f) : x;
  const vf xc = vmin(vmax(xs, lo), hi);
  // n = round(x / ln 2); r = x − n·ln 2 in two parts for accuracy
  vf t = xc * vbroadcast(1.44269504088896341f) + vbroadcast(0.5f);
  vi ti = __builtin_convertvector(t, vi);
  vf n = __builtin_convertvector(ti, vf);
  const vi over = n > t;  // truncation rounded up a negative value: floor is one less
  n = n - __builtin_convertvector(over & 1, vf);
  vf r = xc - n * vbroadcast(0.693359375f) - n * vbroadcast(-2.12194440e-4f);
  vf p = vbroadcast(1.9875691500e-4f);
  p = p * r + vbroadcast(1.3981999507e-3f);
  p = p * r + vbroadcast(8.3334519073e-3f);
  p = p * r + vbroadcast(4.1665795894e-2f);
  p = p * r + vbroadcast(1.6666665459e-1f);
  p = p * r + vbroadcast(5.0000001201e-1f);
  p = p * (r * r) + r + vbroadcast(1.f);
  const vi e = (__builtin_convertvector(n, vi) + 127) << 23;
  vf y = p * (vf)e;  // a vector cast reinterprets the bits: 2^n
  y = tiny ? y * vbroadcast(5.42101086242752217e-20f) : y;
  // beyond the clamp: exp overflows to +inf, or underflows to (almost) 0
  const vf inf = vbroadcast(INFINITY), zero = vf{};
  y = x > hi ? inf : y;
  y = x < vbroadcast(-103.972076f) ? zero : y;
  y = x != x ? x : y;  // NaN stays NaN
  return y;
}

/** 1/(1 + e^−x) for one value, as e^x/(1 + e^x) for x < 0 so that tiny results do not flush to 0. */
static inline float sigmoid1(float x) {
  const float e = std::exp(x < 0.f ? x : -x);
  return x < 0.f ? e / (1.f + e) : 1.f / (1.f + e);
}

}  // namespace mammo
