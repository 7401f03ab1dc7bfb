#include "batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"
#include "simd.h"

namespace mammo {
namespace {

/** Rows per task of the per-channel sums: sized from C only, so sums do not depend on threads. */
int64_t rows_per_chunk(int64_t C) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)); }

/**
 * Per chunk of rows, per channel: float64 sums produced by `body(r0, r1, acc)`; then added in
 * chunk order into `total` (nSums × C values).
 */
template <typename Body>
void chunked_sums(int64_t rows, int64_t C, int nSums, double* total, Body body) {
  const int64_t per = rows_per_chunk(C), chunks = std::max<int64_t>(1, ceil_div(rows, per));
  std::vector<double> part(static_cast<size_t>(chunks * nSums * C), 0.0);
  parallel_for(chunks, [&](int64_t ch) { body(ch * per, std::min(rows, (ch + 1) * per), part.data() + ch * nSums * C); });
  std::fill(total, total + nSums * C, 0.0);
  for (int64_t ch = 0; ch < chunks; ch++)
    for (int64_t i = 0; i < nSums * C; i++) total[i] += part[ch * nSums * C + i];
}

/** Adds float vector sums to float64 accumulators, lane by lane. */
inline void add_lanes(double* acc, vf v) {
  for (int l = 0; l < kV; l++) acc[l] += v[l];
}

}  // namespace

void batchnorm_forward(const float* x, const float* mean, int64_t nMean, const float* variance, int64_t nVar, const float* offset,
                       int64_t nOffset, const float* scale, int64_t nScale, float eps, float* out, int64_t rows, int64_t C) {
  // y = (x − mean)·a + b per channel, a = scale/√(variance + eps), b = offset
  std::vector<float> a(C), b(C);
  for (int64_t c = 0; c < C; c++) {
    const float s = scale ? scale[nScale == 1 ? 0 : c] : 1.f;
    a[c] = static_cast<float>(s / std::sqrt(static_cast<double>(variance[nVar == 1 ? 0 : c]) + eps));
    b[c] = offset ? offset[nOffset == 1 ? 0 : c] : 0.f;
  }
  const int64_t per = std::max<int64_t>(1, 16384 / C);
  parallel_for(ceil_div(rows, per), [&](int64_t t) {
    const int64_t r1 = std::min(rows, (t + 1) * per);
    for (int64_t r = t * per; r < r1; r++) {
      const float* xr = x + r * C;
      float* o = out + r * C;
      int64_t c = 0;
      for (; c + kV <= C; c += kV) {
        vf m;
        if (nMean == 1)
          m = vbroadcast(mean[0]);
        else
          m = vload(mean + c);
        vstore(o + c, (vload(xr + c) - m) * vload(a.data() + c) + vload(b.data() + c));
      }
      for (; c < C; c++) o[c] = (xr[c] - mean[nMean == 1 ? 0 : c]) * a[c] + b[c];
    }
  });
}

void batchnorm_stats(const float* x, int64_t rows, int64_t C, float* mean, float* variance) {
  // Shifted sums (shift = the first row) keep E[x²] − E[x]² accurate when |mean| ≫ σ.
  std::vector<double> sums(2 * C);
  const float* shift = x;
  chunked_sums(rows, C, 2, sums.data(), [&](int64_t r0, int64_t r1, double* acc) {
    int64_t c = 0;
    for (; c + kV <= C; c += kV) {
      const vf k = vload(shift + c);
      for (int64_t b0 = r0; b0 < r1; b0 += 32) {
        vf s = vf{}, q = vf{};
        const int64_t b1 = std::min(r1, b0 + 32);
        for (int64_t r = b0; r < b1; r++) {
          const vf d = vload(x + r * C + c) - k;
          s += d;
          q += d * d;
        }
        add_lanes(acc + c, s);
        add_lanes(acc + C + c, q);
      }
    }
    for (; c < C; c++)
      for (int64_t r = r0; r < r1; r++) {
        const double d = static_cast<double>(x[r * C + c]) - shift[c];
        acc[c] += d;
        acc[C + c] += d * d;
      }
  });
  for (int64_t c = 0; c < C; c++) {
    const double m = sums[c] / rows;
    mean[c] = static_cast<float>(m + shift[c]);
    variance[c] = static_cast<float>(std::max(0.0, sums[C + c] / rows - m * m));
  }
}

void batchnorm_train_grad(const float* dy, const float* x, const float* mean, const float* variance, const float* scale, float eps,
                          int64_t rows, int64_t C, float* dx, float* dscale, float* doffset) {
  std::vector<float> istd(C);
  for (int64_t c = 0; c < C; c++) istd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + eps));
  // Σ dy and Σ dy·(x − mean) per channel
  std::vector<double> sums(2 * C);
  chunked_sums(rows, C, 2, sums.data(), [&](int64_t r0, int64_t r1, double* acc) {
    int64_t c = 0;
    for (; c + kV <= C; c += kV) {
      const vf m = vload(mean + c);
      for (int64_t b0 = r0; b0 < r1; b0 += 32) {
        vf s = vf{}, q = vf{};
        const int64_t b1 = std::min(r1, b0 + 32);
        for (int64_t r = b0; r < b1; r++) {
          const vf g = vload(dy + r * C + c);
          s += g;
          q += g * (vload(x + r * C + c) - m);
        }
        add_lanes(acc + c, s);
        add_lanes(acc + C + c, q);
      }
    }
    for (; c < C; c++)
      for (int64_t r = r0; r < r1; r++) {
        acc[c] += dy[r * C + c];
        acc[C + c] += static_cast<double>(dy[r * C + c]) * (x[r * C + c] - mean[c]);
      }
  });
  // dx = scale·istd·(dy − Σdy/N − x̂·Σ(dy·x̂)/N), x̂ = (x − mean)·istd
  std::vector<float> k1(C), k2(C), k3(C);
  for (int64_t c = 0; c < C; c++) {
    const double s = scale ? scale[c] : 1.0, is = istd[c];
    const double sumDy = sums[c], sumDyXhat = sums[C + c] * is;
    doffset[c] = static_cast<float>(sumDy);
    dscale[c] = static_cast<float>(sumDyXhat);
    // dx = k1·dy + k2·(x − mean) + k3
    k1[c] = static_cast<float>(s * is);
    k2[c] = static_cast<float>(-s * is * is * sumDyXhat / rows);
    k3[c] = static_cast<float>(-s * is * sumDy / rows);
  }
  const int64_t per = std::max<int64_t>(1, 16384 / C);
  parallel_for(ceil_div(rows, per), [&](int64_t t) {
    const int64_t r1 = std::min(rows, (t + 1) * per);
    for (int64_t r = t * per; r < r1; r++) {
      int64_t c = 0;
      for (; c + kV <= C; c += kV)
        vstore(dx + r * C + c, vload(k1.data() + c) * vload(dy + r * C + c) +
                                   vload(k2.data() + c) * (vload(x + r * C + c) - vload(mean + c)) + vload(k3.data() + c));
      for (; c < C; c++) dx[r * C + c] = k1[c] * dy[r * C + c] + k2[c] * (x[r * C + c] - mean[c]) + k3[c];
    }
  });
}

}  // namespace mammo
