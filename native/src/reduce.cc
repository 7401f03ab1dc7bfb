#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "pool.h"
#include "simd.h"

namespace mammo {
namespace {

/** Chunk of the reduced axis: about 16K values per chunk. */
int64_t chunk_rows(int64_t C) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)); }

/** Σ x[r·C + c] over r < rows, for every c < C, added to acc (float64). Vectorised along c. */
void sum_rows(const float* x, int64_t rows, int64_t C, double* acc) {
  if (C == 1) {
    // one long contiguous run: kV lanes of partial sums in float, folded into float64 every 64 vectors
    int64_t r = 0;
    double s = 0;
    while (r + kV <= rows) {
      vf v = vf{};
      const int64_t end = std::min(rows - (rows - r) % kV, r + 64 * kV);
      for (; r < end; r += kV) v += vload(x + r);
      s += hsum_d(v);
    }
    for (; r < rows; r++) s += x[r];
    acc[0] += s;
    return;
  }
  int64_t c = 0;
  for (; c + kV <= C; c += kV) {
    // float partial sums over blocks of 32 rows, then float64
    double d[kV] = {};
    for (int64_t r0 = 0; r0 < rows; r0 += 32) {
      vf v = vf{};
      const int64_t r1 = std::min(rows, r0 + 32);
      for (int64_t r = r0; r < r1; r++) v += vload(x + r * C + c);
      for (int l = 0; l < kV; l++) d[l] += v[l];
    }
    for (int l = 0; l < kV; l++) acc[c + l] += d[l];
  }
  for (; c < C; c++) {
    double s = 0;
    for (int64_t r = 0; r < rows; r++) s += x[r * C + c];
    acc[c] += s;
  }
}

void extreme_rows(bool isMax, const float* x, int64_t rows, int64_t C, float* acc) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < C; c++) {
      const float v = x[r * C + c];
      // tfjs's Max/Min: NaN wins
      if (v != v || (isMax ? v > acc[c] : v < acc[c])) acc[c] = v;
    }
}

}  // namespace

void reduce(int op, const float* x, float* out, int64_t A, int64_t R, int64_t C) {
  const int64_t rows = chunk_rows(C), chunks = std::max<int64_t>(1, ceil_div(R, rows));
  if (op == kMax || op == kMin) {
    std::vector<float> part(static_cast<size_t>(A * chunks * C));
    const float init = op == kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    parallel_for(A * chunks, [&](int64_t t) {
      const int64_t a = t / chunks, ch = t % chunks;
      float* acc = part.data() + t * C;
      std::fill(acc, acc + C, init);
      const int64_t r0 = ch * rows, r1 = std::min(R, r0 + rows);
      extreme_rows(op == kMax, x + (a * R + r0) * C, r1 - r0, C, acc);
    });
    parallel_for(A, [&](int64_t a) {
      for (int64_t c = 0; c < C; c++) {
        float m = init;
        for (int64_t ch = 0; ch < chunks; ch++) {
          const float v = part[(a * chunks + ch) * C + c];
          if (v != v || (op == kMax ? v > m : v < m)) m = v;
        }
        out[a * C + c] = m;
      }
    });
    return;
  }
  std::vector<double> part(static_cast<size_t>(A * chunks * C), 0.0);
  parallel_for(A * chunks, [&](int64_t t) {
    const int64_t a = t / chunks, ch = t % chunks;
    const int64_t r0 = ch * rows, r1 = std::min(R, r0 + rows);
    sum_rows(x + (a * R + r0) * C, r1 - r0, C, part.data() + t * C);
  });
  parallel_for(A, [&](int64_t a) {
    for (int64_t c = 0; c < C; c++) {
      double s = 0;
      for (int64_t ch = 0; ch < chunks; ch++) s += part[(a * chunks + ch) * C + c];
      out[a * C + c] = static_cast<float>(op == kMean ? s / static_cast<double>(R) : s);
    }
  });
}

}  // namespace mammo
