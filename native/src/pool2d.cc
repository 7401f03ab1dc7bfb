#include "pool2d.h"

#include <algorithm>
#include <cmath>

#include "pool.h"
#include "simd.h"

namespace mammo {
namespace {

/**
 * Visits the window of output pixel (n, oh, ow) for channels [c, c + kV): calls
 * tap(pointer to x at the tap, flat input position ih·inW + iw) for each valid tap in row-major
 * window order.
 */
template <typename Tap>
inline void window(const ConvGeom& g, const float* x, int64_t n, int64_t oh, int64_t ow, Tap tap) {
  for (int64_t ki = 0; ki < g.kH; ki++) {
    const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilH;
    if (ih < 0 || ih >= g.inH) continue;
    for (int64_t kj = 0; kj < g.kW; kj++) {
      const int64_t iw = ow * g.strideW - g.padLeft + kj * g.dilW;
      if (iw < 0 || iw >= g.inW) continue;
      tap(x + ((n * g.inH + ih) * g.inW + iw) * g.inC, static_cast<int32_t>(ih * g.inW + iw));
    }
  }
}

}  // namespace

void maxpool_forward(const ConvGeom& g, const float* x, float* out) {
  const int64_t C = g.inC, cv = C - C % kV;
  parallel_for(g.batch * g.outH, [&](int64_t row) {
    const int64_t n = row / g.outH, oh = row % g.outH;
    for (int64_t ow = 0; ow < g.outW; ow++) {
      float* o = out + (row * g.outW + ow) * C;
      for (int64_t c = 0; c < cv; c += kV) {
        vf best = vbroadcast(-INFINITY);
        // x > best is false for NaN: NaNs are skipped, as in tfjs
        window(g, x, n, oh, ow, [&](const float* p, int32_t) { const vf v = vload(p + c); best = v > best ? v : best; });
        vstore(o + c, best);
      }
      for (int64_t c = cv; c < C; c++) {
        float best = -INFINITY;
        window(g, x, n, oh, ow, [&](const float* p, int32_t) { if (p[c] > best) best = p[c]; });
        o[c] = best;
      }
    }
  });
}

void maxpool_backprop(const ConvGeom& g, const float* dy, const float* x, float* dx) {
  const int64_t C = g.inC, cv = C - C % kV, image = g.inH * g.inW * C;
  // One task per image: each window's dy is added to its first maximum (strictly greater than
  // the values before it, as tfjs's maxPoolPositions), windows taken in (oh, ow) order.
  parallel_for(g.batch, [&](int64_t n) {
    float* d = dx + n * image;
    std::fill(d, d + image, 0.f);
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* gy = dy + ((n * g.outH + oh) * g.outW + ow) * C;
        for (int64_t c = 0; c < cv; c += kV) {
          vf best = vbroadcast(-INFINITY);
          vi pos = vi{} - 1;
          window(g, x, n, oh, ow, [&](const float* p, int32_t flat) {
            const vf v = vload(p + c);
            const vi gt = v > best;
            best = gt ? v : best;
            pos = gt ? vi{} + flat : pos;
          });
          for (int l = 0; l < kV; l++)
            if (pos[l] >= 0) d[pos[l] * C + c + l] += gy[c + l];
        }
        for (int64_t c = cv; c < C; c++) {
          float best = -INFINITY;
          int32_t pos = -1;
          window(g, x, n, oh, ow, [&](const float* p, int32_t flat) {
            if (p[c] > best) {
              best = p[c];
              pos = flat;
            }
          });
          if (pos >= 0) d[pos * C + c] += gy[c];
        }
      }
  });
}

}  // namespace mammo
