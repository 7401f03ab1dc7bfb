// Batch normalisation over the last axis of a [rows, C] view (NHWC: rows = N·H·W).
#pragma once
#include <cstdint>

namespace mammo {

/**
 * out = offset + (x − mean) · scale / √(variance + eps), tfjs's FusedBatchNorm. Each parameter
 * array has length 1 or C (nX gives it); offset/scale may be null (0 / 1).
 */
void batchnorm_forward(const float* x, const float* mean, int64_t nMean, const float* variance, int64_t nVar, const float* offset,
                       int64_t nOffset, const float* scale, int64_t nScale, float eps, float* out, int64_t rows, int64_t C);

/** Per-channel mean and biased variance of x over its rows (training-mode batch statistics). */
void batchnorm_stats(const float* x, int64_t rows, int64_t C, float* mean, float* variance);

/**
 * Gradients of y = scale·(x − mean)/√(variance + eps) + offset where mean and variance are the
 * batch statistics of x (so they depend on x): dx, dscale and doffset from dy.
 */
void batchnorm_train_grad(const float* dy, const float* x, const float* mean, const float* variance, const float* scale, float eps,
                          int64_t rows, int64_t C, float* dx, float* dscale, float* doffset);

}  // namespace mammo
