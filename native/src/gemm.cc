#include "gemm.h"

#include <algorithm>

#include "pool.h"
#include "scratch.h"

namespace mammo {

void tile_rows(int ntaps, const int64_t* tapOff, int kt, const float* const* rows, const float* B, float* c, int64_t ldc, int mr,
               int nr, bool accumulate) {
  vf c0[kMR], c1[kMR];
#pragma GCC unroll 6
  for (int r = 0; r < kMR; r++) c0[r] = c1[r] = vf{};
  for (int t = 0; t < ntaps; t++) {
    const int64_t off = tapOff ? tapOff[t] : 0;
    const float* p0 = rows[0] + off;
    const float* p1 = rows[1] + off;
    const float* p2 = rows[2] + off;
    const float* p3 = rows[3] + off;
    const float* p4 = rows[4] + off;
    const float* p5 = rows[5] + off;
    for (int k = 0; k < kt; k++) {
      const vf b0 = vload(B), b1 = vload(B + kV);
      B += kNR;
      vf a;
      a = vbroadcast(p0[k]); c0[0] += a * b0; c1[0] += a * b1;
      a = vbroadcast(p1[k]); c0[1] += a * b0; c1[1] += a * b1;
      a = vbroadcast(p2[k]); c0[2] += a * b0; c1[2] += a * b1;
      a = vbroadcast(p3[k]); c0[3] += a * b0; c1[3] += a * b1;
      a = vbroadcast(p4[k]); c0[4] += a * b0; c1[4] += a * b1;
      a = vbroadcast(p5[k]); c0[5] += a * b0; c1[5] += a * b1;
    }
  }
  if (nr == kNR) {
    for (int r = 0; r < mr; r++) {
      float* row = c + r * ldc;
      if (accumulate) {
        vstore(row, vload(row) + c0[r]);
        vstore(row + kV, vload(row + kV) + c1[r]);
      } else {
        vstore(row, c0[r]);
        vstore(row + kV, c1[r]);
      }
    }
    return;
  }
  alignas(64) float tile[kNR];
  for (int r = 0; r < mr; r++) {
    vstore(tile, c0[r]);
    vstore(tile + kV, c1[r]);
    float* row = c + r * ldc;
    for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + tile[j] : tile[j];
  }
}

void pack_b(const float* b, int64_t K, int64_t N, int64_t sk, int64_t sj, float* dst) {
  for (int64_t j0 = 0; j0 < N; j0 += kNR) {
    const int nr = static_cast<int>(std::min<int64_t>(kNR, N - j0));
    for (int64_t k = 0; k < K; k++) {
      const float* src = b + k * sk + j0 * sj;
      float* d = dst + k * kNR;
      int j = 0;
      if (sj == 1)
        for (; j < nr; j++) d[j] = src[j];
      else
        for (; j < nr; j++) d[j] = src[j * sj];
      for (; j < kNR; j++) d[j] = 0.f;
    }
    dst += K * kNR;
  }
}

void gemm_packed(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* packedB, float* c, int64_t ldc,
                 bool accumulate) {
  if (M <= 0 || N <= 0) return;
  const int64_t panels = ceil_div(N, kNR);
  parallel_for(ceil_div(M, kTaskRows), [&](int64_t task) {
    const int64_t i0 = task * kTaskRows, i1 = std::min(M, i0 + kTaskRows);
    for (int64_t p = 0; p < panels; p++) {
      const float* B = packedB + p * K * kNR;
      const int nr = static_cast<int>(std::min<int64_t>(kNR, N - p * kNR));
      for (int64_t i = i0; i < i1; i += kMR) {
        const int mr = static_cast<int>(std::min<int64_t>(kMR, i1 - i));
        const float* rows[kMR];
        for (int r = 0; r < kMR; r++) rows[r] = a + (i + std::min(r, mr - 1)) * lda;
        tile_rows(1, nullptr, static_cast<int>(K), rows, B, c + i * ldc + p * kNR, ldc, mr, nr, accumulate);
      }
    }
  });
}

void matmul(int64_t M, int64_t N, int64_t K, const float* a, bool transA, const float* b, bool transB, float* c) {
  if (K == 0) {
    std::fill(c, c + M * N, 0.f);
    return;
  }
  float* packed = scratch(kScratchPack, static_cast<size_t>(ceil_div(N, kNR)) * kNR * K);
  pack_b(b, K, N, transB ? 1 : N, transB ? K : 1, packed);
  const float* rowsA = a;
  if (transA) {
    float* t = scratch(kScratchPad, static_cast<size_t>(M) * K);
    for (int64_t k = 0; k < K; k++)
      for (int64_t i = 0; i < M; i++) t[i * K + k] = a[k * M + i];
    rowsA = t;
  }
  gemm_packed(M, N, K, rowsA, K, packed, c, N, false);
}

}  // namespace mammo
