// The register tile shared by the matrix products: kMR rows × kNR columns of C accumulated in
// registers over a fixed k order. A is read straight from memory through one pointer per row
// (a convolution passes pointers into its zero-padded input, so no im2col copy is made); B is a
// small operand (weights) packed once per call into panels of kNR columns.
#pragma once
#include <cstdint>

#include "simd.h"

namespace mammo {

/** Rows of C per register tile. */
constexpr int kMR = 6;
/** Columns of C per register tile: two vectors. */
constexpr int kNR = 2 * kV;

/**
 * Rows of C per task in the drivers. Tasks split C only (never a reduction), and their bounds
 * depend on the shapes alone, so results do not depend on the number of threads.
 */
constexpr int kTaskRows = 16 * kMR;

/**
 * acc[r][0..kNR) = Σ_t Σ_k rows[r][tapOff[t] + k] · B[t][k][0..kNR) for r < kMR, summed in
 * (t, k) order, then stored into C rows r < mr, columns < nr (C(r, j) at c[r·ldc + j]):
 * C = acc + bias when `bias` is given, C = acc otherwise, or C += acc when `accumulate`.
 * B is one packed panel: ntaps × kt rows of kNR floats. Rows ≥ mr must still point at kt
 * readable floats (callers repeat the last row).
 */
void tile_rows(int ntaps, const int64_t* tapOff, int kt, const float* const* rows, const float* B, float* c, int64_t ldc, int mr,
               int nr, bool accumulate);

/**
 * Packs B (K×N, element (k, j) at b[k·sk + j·sj]) into ceil(N/kNR) panels of K×kNR floats,
 * zero-padded past N: panel p at dst + p·K·kNR.
 */
void pack_b(const float* b, int64_t K, int64_t N, int64_t sk, int64_t sj, float* dst);

/** pack_b for a B given as a function element(k, j), for layouts that are not one stride per index. */
template <typename Element>
void pack_b_with(int64_t K, int64_t N, float* dst, Element element) {
  for (int64_t j0 = 0; j0 < N; j0 += kNR, dst += K * kNR)
    for (int64_t k = 0; k < K; k++)
      for (int j = 0; j < kNR; j++) dst[k * kNR + j] = j0 + j < N ? element(k, j0 + j) : 0.f;
}

/**
 * C[M×N] (+)= A·B for row-major A (row i at a + i·lda, K contiguous floats) and B packed by
 * pack_b. Parallel over blocks of kTaskRows rows.
 */
void gemm_packed(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* packedB, float* c, int64_t ldc,
                 bool accumulate);

/** C[M×N] = op(A)·op(B) for row-major A (M×K, or K×M when transA) and B (K×N, or N×K when transB). */
void matmul(int64_t M, int64_t N, int64_t K, const float* a, bool transA, const float* b, bool transB, float* c);

}  // namespace mammo
