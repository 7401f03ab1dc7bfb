#include "conv.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "scratch.h"
#include "vmath.h"

namespace mammo {
namespace {

/** An input seen through zero padding: element (n, r, q, c) at p[((n·rows + r)·cols + q)·ch + c]. */
struct Padded {
  const float* p;
  int64_t rows, cols;
};

/**
 * Zero-padded (and, with `step` > 1, zero-dilated) copy of src (batch × srcH × srcW × ch):
 * dst row r holds src row (r − offH) / stepH when that is a whole row index in range, else zeros;
 * likewise for columns. Returns src itself when no padding or dilation is needed.
 */
Padded pad_input(const float* src, int64_t batch, int64_t srcH, int64_t srcW, int64_t ch, int64_t rows, int64_t cols, int64_t offH,
                 int64_t offW, int64_t stepH, int64_t stepW) {
  if (offH == 0 && offW == 0 && stepH == 1 && stepW == 1 && rows <= srcH && cols <= srcW) return {src, srcH, srcW};
  float* dst = scratch(kScratchPad, static_cast<size_t>(batch * rows * cols * ch));
  parallel_for(batch * rows, [&](int64_t nr) {
    const int64_t n = nr / rows, r = nr % rows;
    float* d = dst + nr * cols * ch;
    const int64_t sr = r - offH;
    if (sr < 0 || sr % stepH != 0 || sr / stepH >= srcH) {
      std::fill(d, d + cols * ch, 0.f);
      return;
    }
    const float* s = src + (n * srcH + sr / stepH) * srcW * ch;
    if (stepW == 1) {
      // columns [offW, offW + srcW) ∩ [0, cols) come from src; the rest is zero padding
      const int64_t q0 = std::max<int64_t>(0, offW), q1 = std::min(cols, offW + srcW);
      if (q1 <= q0) {
        std::fill(d, d + cols * ch, 0.f);
        return;
      }
      std::fill(d, d + q0 * ch, 0.f);
      std::copy(s + (q0 - offW) * ch, s + (q1 - offW) * ch, d + q0 * ch);
      std::fill(d + q1 * ch, d + cols * ch, 0.f);
      return;
    }
    for (int64_t q = 0; q < cols; q++) {
      const int64_t sq = q - offW;
      float* dq = d + q * ch;
      if (sq < 0 || sq % stepW != 0 || sq / stepW >= srcW)
        std::fill(dq, dq + ch, 0.f);
      else
        std::copy(s + (sq / stepW) * ch, s + (sq / stepW + 1) * ch, dq);
    }
  });
  return {dst, rows, cols};
}

/**
 * Walks output pixels m = (n, oh, ow) in order, giving the address of each pixel's window origin
 * in a padded input: ((n·rows + oh·strideH)·cols + ow·strideW)·ch. Stepping avoids divisions.
 */
struct PixelCursor {
  int64_t outH, outW, ow, oh, n;
  const float* rowBase;
  int64_t rowStride, colStride, imageStride;
  const float* imageBase;
  PixelCursor(const Padded& p, int64_t ch, int64_t outH_, int64_t outW_, int64_t strideH, int64_t strideW, int64_t m)
      : outH(outH_), outW(outW_) {
    ow = m % outW;
    oh = (m / outW) % outH;
    n = m / outW / outH;
    colStride = strideW * ch;
    rowStride = strideH * p.cols * ch;
    imageStride = p.rows * p.cols * ch;
    imageBase = p.p + n * imageStride;
    rowBase = imageBase + oh * rowStride;
  }
  const float* get() const { return rowBase + ow * colStride; }
  void next() {
    if (++ow < outW) return;
    ow = 0;
    if (++oh < outH) {
      rowBase += rowStride;
      return;
    }
    oh = 0;
    imageBase += imageStride;
    rowBase = imageBase;
  }
};

/** Rows of the padded input needed by the forward pass / filter gradient. */
Padded pad_for_forward(const ConvGeom& g, const float* x) {
  const int64_t rows = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilH + 1;
  const int64_t cols = (g.outW - 1) * g.strideW + (g.kW - 1) * g.dilW + 1;
  return pad_input(x, g.batch, g.inH, g.inW, g.inC, rows, cols, g.padTop, g.padLeft, 1, 1);
}

/**
 * Register tile of the filter gradient: acc[r][j] = Σ over `rows` output rows, over ow < outW, of
 * x[xRow + off[r] + ow·xStep] · dy[dyRow + ow·outC + j], summed row by row in ow order.
 */
template <bool kPartial>
void tile_wgrad(const ConvGeom& g, const Padded& xp, int64_t row0, int64_t nrows, const int64_t* off, const float* dy, int64_t co0,
                int nr, float* c, int64_t ldc, int mr) {
  vf c0[kMR], c1[kMR];
  for (int r = 0; r < kMR; r++) c0[r] = c1[r] = vf{};
  const int64_t xStep = g.strideW * g.inC;
  for (int64_t row = row0; row < row0 + nrows; row++) {
    const int64_t n = row / g.outH, oh = row % g.outH;
    const float* xr = xp.p + (n * xp.rows + oh * g.strideH) * xp.cols * g.inC;
    const float* p0 = xr + off[0];
    const float* p1 = xr + off[1];
    const float* p2 = xr + off[2];
    const float* p3 = xr + off[3];
    const float* p4 = xr + off[4];
    const float* p5 = xr + off[5];
    const float* d = dy + row * g.outW * g.outC + co0;
    for (int64_t ow = 0; ow < g.outW; ow++, d += g.outC) {
      vf b0, b1;
      if (kPartial) {
        b0 = vload_partial(d, std::min(nr, kV));
        b1 = nr > kV ? vload_partial(d + kV, nr - kV) : vf{};
      } else {
        b0 = vload(d);
        b1 = vload(d + kV);
      }
      const int64_t o = ow * xStep;
      vf a;
      a = vbroadcast(p0[o]); c0[0] += a * b0; c1[0] += a * b1;
      a = vbroadcast(p1[o]); c0[1] += a * b0; c1[1] += a * b1;
      a = vbroadcast(p2[o]); c0[2] += a * b0; c1[2] += a * b1;
      a = vbroadcast(p3[o]); c0[3] += a * b0; c1[3] += a * b1;
      a = vbroadcast(p4[o]); c0[4] += a * b0; c1[4] += a * b1;
      a = vbroadcast(p5[o]); c0[5] += a * b0; c1[5] += a * b1;
    }
  }
  alignas(64) float t[kNR];
  for (int r = 0; r < mr; r++) {
    vstore(t, c0[r]);
    vstore(t + kV, c1[r]);
    std::copy(t, t + nr, c + r * ldc);
  }
}

}  // namespace

void bias_activation(float* v, int64_t rows, int64_t c, const float* bias, int activation, float alpha) {
  if (!bias && activation == kLinear) return;
  for (int64_t i = 0; i < rows; i++) {
    float* row = v + i * c;
    for (int64_t j = 0; j < c; j++) {
      float y = bias ? row[j] + bias[j] : row[j];
      switch (activation) {
        case kRelu: y = y < 0.f ? 0.f : y; break;
        case kRelu6: y = y < 0.f ? 0.f : (y > 6.f ? 6.f : y); break;
        case kLeakyRelu: y = y < 0.f ? alpha * y : y; break;
        case kSigmoid: y = sigmoid1(y); break;
        case kElu: y = y >= 0.f ? y : std::expm1(y); break;
        default: break;
      }
      row[j] = y;
    }
  }
}

void conv2d_forward(const ConvGeom& g, const float* x, const float* filter, const float* bias, int activation, float alpha,
                    float* out) {
  const Padded xp = pad_for_forward(g, x);
  const int64_t taps = g.kH * g.kW, K = taps * g.inC;
  float* packed = scratch(kScratchPack, static_cast<size_t>(ceil_div(g.outC, kNR)) * kNR * K);
  pack_b(filter, K, g.outC, g.outC, 1, packed);
  std::vector<int64_t> tapOff(taps);
  for (int64_t ki = 0; ki < g.kH; ki++)
    for (int64_t kj = 0; kj < g.kW; kj++) tapOff[ki * g.kW + kj] = (ki * g.dilH * xp.cols + kj * g.dilW) * g.inC;
  const int64_t M = g.batch * g.outH * g.outW, panels = ceil_div(g.outC, kNR);
  parallel_for(ceil_div(M, kTaskRows), [&](int64_t task) {
    const int64_t i0 = task * kTaskRows, i1 = std::min(M, i0 + kTaskRows);
    PixelCursor cur(xp, g.inC, g.outH, g.outW, g.strideH, g.strideW, i0);
    for (int64_t i = i0; i < i1; i += kMR) {
      const int mr = static_cast<int>(std::min<int64_t>(kMR, i1 - i));
      const float* rows[kMR];
      for (int r = 0; r < kMR; r++) {
        rows[r] = cur.get();
        if (r < mr - 1) cur.next();
      }
      cur.next();
      for (int64_t p = 0; p < panels; p++) {
        const int nr = static_cast<int>(std::min<int64_t>(kNR, g.outC - p * kNR));
        tile_rows(static_cast<int>(taps), tapOff.data(), static_cast<int>(g.inC), rows, packed + p * K * kNR,
                  out + i * g.outC + p * kNR, g.outC, mr, nr, false);
      }
    }
    bias_activation(out + i0 * g.outC, i1 - i0, g.outC, bias, activation, alpha);
  });
}

/**
 * For each input row pos: the (tap k, output row o) pairs with
 * o·stride − pad + k·dil = pos, in k order, flattened: entries start[pos] … start[pos + 1] − 1.
 */
struct Reach {
  std::vector<int64_t> start, k, out;
  Reach(int64_t inSize, int64_t kSize, int64_t pad, int64_t dil, int64_t stride, int64_t outSize) : start(inSize + 1) {
    for (int64_t pos = 0; pos < inSize; pos++) {
      start[pos] = static_cast<int64_t>(k.size());
      for (int64_t t = 0; t < kSize; t++) {
        const int64_t num = pos + pad - t * dil;
        if (num < 0 || num % stride != 0 || num / stride >= outSize) continue;
        k.push_back(t);
        out.push_back(num / stride);
      }
    }
    start[inSize] = static_cast<int64_t>(k.size());
  }
};

/**
 * dx for few input channels (inC < one vector, e.g. the 1-channel image under a first conv),
 * one image per task: first every dy pixel's contribution to every (ci, tap),
 * Y = dy · F with F[co][(ci, tap)] = filter[tap, ci, co] (the register-tiled product), then each
 * dx value gathers the Y entries that reach it, taps in (ki, kj) order. No zero-dilated copy of
 * dy is made and strided convolutions skip the taps that fall between output pixels.
 */
static void backprop_input_few_channels(const ConvGeom& g, const float* dy, const float* filter, float* dx) {
  const int64_t taps = g.kH * g.kW, N = g.inC * taps, C = g.outC, P = g.outH * g.outW;
  float* packed = scratch(kScratchPack, static_cast<size_t>(ceil_div(N, kNR) * kNR * C));
  pack_b_with(C, N, packed, [&](int64_t co, int64_t j) { return filter[((j % taps) * g.inC + j / taps) * C + co]; });
  const int64_t panels = ceil_div(N, kNR);
  const Reach rows(g.inH, g.kH, g.padTop, g.dilH, g.strideH, g.outH);
  parallel_for(g.batch, [&](int64_t n) {
    float* y = scratch(kScratchTile, static_cast<size_t>(P * N));
    const float* d = dy + n * P * C;
    for (int64_t i = 0; i < P; i += kMR) {
      const int mr = static_cast<int>(std::min<int64_t>(kMR, P - i));
      const float* rows[kMR];
      for (int r = 0; r < kMR; r++) rows[r] = d + (i + std::min(r, mr - 1)) * C;
      for (int64_t p = 0; p < panels; p++)
        tile_rows(1, nullptr, static_cast<int>(C), rows, packed + p * C * kNR, y + i * N + p * kNR, N, mr,
                  static_cast<int>(std::min<int64_t>(kNR, N - p * kNR)), false);
    }
    // each dx row gathers, tap by tap in (ki, kj) order, the Y entries of the output pixels that reach it
    const int64_t rowLen = g.inW * g.inC;
    for (int64_t h = 0; h < g.inH; h++) {
      float* out = dx + (n * g.inH + h) * rowLen;
      std::fill(out, out + rowLen, 0.f);
      for (int64_t a = rows.start[h]; a < rows.start[h + 1]; a++) {
        const float* yRow = y + rows.out[a] * g.outW * N + rows.k[a] * g.kW;
        for (int64_t kj = 0; kj < g.kW; kj++) {
          int64_t lo, hi;
          valid_cols(g.inW, g.outW, g.strideW, g.padLeft, kj, g.dilW, &lo, &hi);
          const int64_t oStep = g.strideW * g.inC;
          for (int64_t ci = 0; ci < g.inC; ci++) {
            float* __restrict o = out + (lo * g.strideW - g.padLeft + kj * g.dilW) * g.inC + ci;
            const float* __restrict yp = yRow + lo * N + kj + ci * taps;
            for (int64_t i = 0, e = hi - lo; i < e; i++) o[i * oStep] += yp[i * N];
          }
        }
      }
    }
  });
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* filter, float* dx) {
  // dx(h, w) = Σ_{ki,kj,co} dy(oh, ow) · f(ki, kj, ·, co) where h = oh·s − pad + ki·d: a forward
  // correlation of dy, dilated by the stride and padded, with the flipped, transposed filter.
  if (g.inC < kV) {
    backprop_input_few_channels(g, dy, filter, dx);
    return;
  }
  const int64_t offH = (g.kH - 1) * g.dilH - g.padTop, offW = (g.kW - 1) * g.dilW - g.padLeft;
  const int64_t rows = g.inH + (g.kH - 1) * g.dilH, cols = g.inW + (g.kW - 1) * g.dilW;
  const Padded dp = pad_input(dy, g.batch, g.outH, g.outW, g.outC, rows, cols, offH, offW, g.strideH, g.strideW);
  const int64_t taps = g.kH * g.kW, K = taps * g.outC;
  float* packed = scratch(kScratchPack, static_cast<size_t>(ceil_div(g.inC, kNR)) * kNR * K);
  pack_b_with(K, g.inC, packed, [&](int64_t k, int64_t ci) {
    const int64_t t = k / g.outC, co = k % g.outC;
    return filter[(t * g.inC + ci) * g.outC + co];
  });
  std::vector<int64_t> tapOff(taps);
  for (int64_t ki = 0; ki < g.kH; ki++)
    for (int64_t kj = 0; kj < g.kW; kj++)
      tapOff[ki * g.kW + kj] = ((g.kH - 1 - ki) * g.dilH * dp.cols + (g.kW - 1 - kj) * g.dilW) * g.outC;
  const int64_t M = g.batch * g.inH * g.inW, panels = ceil_div(g.inC, kNR);
  parallel_for(ceil_div(M, kTaskRows), [&](int64_t task) {
    const int64_t i0 = task * kTaskRows, i1 = std::min(M, i0 + kTaskRows);
    PixelCursor cur(dp, g.outC, g.inH, g.inW, 1, 1, i0);
    for (int64_t i = i0; i < i1; i += kMR) {
      const int mr = static_cast<int>(std::min<int64_t>(kMR, i1 - i));
      const float* prow[kMR];
      for (int r = 0; r < kMR; r++) {
        prow[r] = cur.get();
        if (r < mr - 1) cur.next();
      }
      cur.next();
      for (int64_t p = 0; p < panels; p++) {
        const int nr = static_cast<int>(std::min<int64_t>(kNR, g.inC - p * kNR));
        tile_rows(static_cast<int>(taps), tapOff.data(), static_cast<int>(g.outC), prow, packed + p * K * kNR, dx + i * g.inC + p * kNR,
                  g.inC, mr, nr, false);
      }
    }
  });
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dfilter) {
  const Padded xp = pad_for_forward(g, x);
  const int64_t K = g.kH * g.kW * g.inC, N = g.outC;
  std::vector<int64_t> off(ceil_div(K, kMR) * kMR);
  for (int64_t k = 0; k < static_cast<int64_t>(off.size()); k++) {
    const int64_t kk = std::min(k, K - 1);  // rows past K repeat the last one (computed, never stored)
    const int64_t ci = kk % g.inC, t = kk / g.inC, ki = t / g.kW, kj = t % g.kW;
    off[k] = (ki * g.dilH * xp.cols + kj * g.dilW) * g.inC + ci;
  }
  // The sum over output pixels is cut into groups of whole output rows (sizes fixed by the
  // shapes); each group's sum is a task of its own and the groups are added in order. A group
  // holds about 192 KB of x and dy, which stay in L2 while every tile of the gradient reads
  // them, but there are never so many groups that their partial sums outweigh the inputs.
  const int64_t outRows = g.batch * g.outH, P = outRows * g.outW;
  int64_t pixels = std::clamp<int64_t>(49152 / (g.inC + g.outC), 64, 2048);
  pixels = std::max(pixels, ceil_div(P, std::max<int64_t>(1, P * (g.inC + g.outC) / (K * N))));
  const int64_t groupRows = std::max<int64_t>(1, ceil_div(pixels, g.outW));
  const int64_t groups = ceil_div(outRows, groupRows);
  const int64_t kBlocks = ceil_div(K, kTaskRows);
  float* partial = groups == 1 ? dfilter : scratch(kScratchPartial, static_cast<size_t>(groups * K * N));
  parallel_for(groups * kBlocks, [&](int64_t task) {
    const int64_t grp = task / kBlocks, kb = task % kBlocks;
    const int64_t row0 = grp * groupRows, nrows = std::min(groupRows, outRows - row0);
    float* c = partial + grp * K * N;
    const int64_t k1 = std::min(K, (kb + 1) * kTaskRows);
    for (int64_t k = kb * kTaskRows; k < k1; k += kMR) {
      const int mr = static_cast<int>(std::min<int64_t>(kMR, k1 - k));
      for (int64_t co = 0; co < N; co += kNR) {
        const int nr = static_cast<int>(std::min<int64_t>(kNR, N - co));
        if (nr == kNR)
          tile_wgrad<false>(g, xp, row0, nrows, off.data() + k, dy, co, nr, c + k * N + co, N, mr);
        else
          tile_wgrad<true>(g, xp, row0, nrows, off.data() + k, dy, co, nr, c + k * N + co, N, mr);
      }
    }
  });
  if (groups == 1) return;
  parallel_for(ceil_div(K * N, 4096), [&](int64_t task) {
    const int64_t e1 = std::min(K * N, (task + 1) * 4096);
    for (int64_t e = task * 4096; e < e1; e++) {
      float s = partial[e];
      for (int64_t grp = 1; grp < groups; grp++) s += partial[grp * K * N + e];
      dfilter[e] = s;
    }
  });
}

}  // namespace mammo
