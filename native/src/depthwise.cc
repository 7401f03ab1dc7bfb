#include "depthwise.h"

#include <algorithm>

#include "pool.h"
#include "scratch.h"
#include "simd.h"

namespace mammo {
namespace {

/** o[c] += a[c] · w[c] for c < C. */
inline void fma_row(float* __restrict o, const float* __restrict a, const float* __restrict w, int64_t C) {
  int64_t c = 0;
  for (; c + kV <= C; c += kV) vstore(o + c, vload(o + c) + vload(a + c) * vload(w + c));
  for (; c < C; c++) o[c] += a[c] * w[c];
}

}  // namespace

void depthwise_forward(const ConvGeom& g, const float* x, const float* filter, const float* bias, int activation, float alpha,
                       float* out) {
  const int64_t C = g.inC;
  parallel_for(g.batch * g.outH, [&](int64_t row) {
    const int64_t n = row / g.outH, oh = row % g.outH;
    float* o = out + row * g.outW * C;
    std::fill(o, o + g.outW * C, 0.f);
    // Each output sums its taps in (ki, kj) order.
    for (int64_t ki = 0; ki < g.kH; ki++) {
      const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilH;
      if (ih < 0 || ih >= g.inH) continue;
      const float* xr = x + (n * g.inH + ih) * g.inW * C;
      for (int64_t kj = 0; kj < g.kW; kj++) {
        int64_t lo, hi;
        valid_cols(g.inW, g.outW, g.strideW, g.padLeft, kj, g.dilW, &lo, &hi);
        const float* w = filter + (ki * g.kW + kj) * C;
        for (int64_t ow = lo; ow < hi; ow++) fma_row(o + ow * C, xr + (ow * g.strideW - g.padLeft + kj * g.dilW) * C, w, C);
      }
    }
    bias_activation(o, g.outW, C, bias, activation, alpha);
  });
}

void depthwise_backprop_input(const ConvGeom& g, const float* dy, const float* filter, float* dx) {
  const int64_t C = g.inC;
  parallel_for(g.batch * g.inH, [&](int64_t row) {
    const int64_t n = row / g.inH, h = row % g.inH;
    float* d = dx + row * g.inW * C;
    std::fill(d, d + g.inW * C, 0.f);
    // dx(h, w) gathers dy(oh, ow) over the taps with oh·s − pad + ki·dil = h, in (ki, kj) order.
    for (int64_t ki = 0; ki < g.kH; ki++) {
      const int64_t num = h + g.padTop - ki * g.dilH;
      if (num < 0 || num % g.strideH != 0 || num / g.strideH >= g.outH) continue;
      const float* dyr = dy + (n * g.outH + num / g.strideH) * g.outW * C;
      for (int64_t kj = 0; kj < g.kW; kj++) {
        int64_t lo, hi;
        valid_cols(g.inW, g.outW, g.strideW, g.padLeft, kj, g.dilW, &lo, &hi);
        const float* w = filter + (ki * g.kW + kj) * C;
        for (int64_t ow = lo; ow < hi; ow++) fma_row(d + (ow * g.strideW - g.padLeft + kj * g.dilW) * C, dyr + ow * C, w, C);
      }
    }
  });
}

void depthwise_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dfilter) {
  const int64_t C = g.inC, taps = g.kH * g.kW, outRows = g.batch * g.outH;
  // Groups of whole output rows, sized from the shapes only; each group's sum is one task, and
  // the groups are added in order (float64), so the result does not depend on the threads.
  const int64_t groupRows = std::max<int64_t>(1, ceil_div(2048, g.outW));
  const int64_t groups = ceil_div(outRows, groupRows);
  float* partial = scratch(kScratchPartial, static_cast<size_t>(groups * taps * C));
  parallel_for(groups, [&](int64_t grp) {
    float* acc = partial + grp * taps * C;
    std::fill(acc, acc + taps * C, 0.f);
    const int64_t r1 = std::min(outRows, (grp + 1) * groupRows);
    for (int64_t row = grp * groupRows; row < r1; row++) {
      const int64_t n = row / g.outH, oh = row % g.outH;
      const float* dyr = dy + row * g.outW * C;
      for (int64_t ki = 0; ki < g.kH; ki++) {
        const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilH;
        if (ih < 0 || ih >= g.inH) continue;
        const float* xr = x + (n * g.inH + ih) * g.inW * C;
        for (int64_t kj = 0; kj < g.kW; kj++) {
          int64_t lo, hi;
          valid_cols(g.inW, g.outW, g.strideW, g.padLeft, kj, g.dilW, &lo, &hi);
          if (lo >= hi) continue;
          float* a = acc + (ki * g.kW + kj) * C;
          const int64_t xStep = g.strideW * C;
          const float* x0 = xr + (lo * g.strideW - g.padLeft + kj * g.dilW) * C;
          const float* d0 = dyr + lo * C;
          const int64_t len = hi - lo;
          // this row's sums in registers, then added to the group's: blocks of four vectors of
          // channels, even and odd columns in separate accumulators (eight independent chains)
          int64_t c = 0;
          for (; c + 4 * kV <= C; c += 4 * kV) {
            vf e[4] = {}, o[4] = {};
            int64_t i = 0;
            for (; i + 1 < len; i += 2) {
              const float* xp = x0 + i * xStep + c;
              const float* dp = d0 + i * C + c;
#pragma GCC unroll 4
              for (int j = 0; j < 4; j++) {
                e[j] += vload(xp + j * kV) * vload(dp + j * kV);
                o[j] += vload(xp + xStep + j * kV) * vload(dp + C + j * kV);
              }
            }
            if (i < len) {
#pragma GCC unroll 4
              for (int j = 0; j < 4; j++) e[j] += vload(x0 + i * xStep + c + j * kV) * vload(d0 + i * C + c + j * kV);
            }
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) vstore(a + c + j * kV, vload(a + c + j * kV) + (e[j] + o[j]));
          }
          for (; c + kV <= C; c += kV) {
            vf e = vf{}, o = vf{};
            int64_t i = 0;
            for (; i + 1 < len; i += 2) {
              e += vload(x0 + i * xStep + c) * vload(d0 + i * C + c);
              o += vload(x0 + (i + 1) * xStep + c) * vload(d0 + (i + 1) * C + c);
            }
            if (i < len) e += vload(x0 + i * xStep + c) * vload(d0 + i * C + c);
            vstore(a + c, vload(a + c) + (e + o));
          }
          for (; c < C; c++) {
            float sum = 0.f;
            for (int64_t i = 0; i < len; i++) sum += x0[i * xStep + c] * d0[i * C + c];
            a[c] += sum;
          }
        }
      }
    }
  });
  parallel_for(ceil_div(taps * C, 1024), [&](int64_t t) {
    const int64_t e1 = std::min(taps * C, (t + 1) * 1024);
    for (int64_t e = t * 1024; e < e1; e++) {
      double s = 0;
      for (int64_t grp = 0; grp < groups; grp++) s += partial[grp * taps * C + e];
      dfilter[e] = static_cast<float>(s);
    }
  });
}

}  // namespace mammo
