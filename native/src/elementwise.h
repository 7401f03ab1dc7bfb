// Element-wise kernels on float32: binary operations with NumPy/tfjs broadcasting, unary
// operations, and the fused swish activation (x·sigmoid(x)) with its gradient.
#pragma once
#include <cstdint>

namespace mammo {

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDiff = 4, kMaximum = 5, kMinimum = 6 };

/**
 * out = a ∘ b over outShape (rank ≤ 8); aStrides / bStrides give each input's stride per output
 * dimension, 0 where that input is broadcast.
 */
void binary(int op, const float* a, const float* b, float* out, int rank, const int64_t* outShape, const int64_t* aStrides,
            const int64_t* bStrides);

enum UnaryOp {
  kUnRelu = 0, kUnRelu6 = 1, kUnLeakyRelu = 2, kUnElu = 3, kUnSigmoid = 4, kUnStep = 5, kUnNeg = 6, kUnSquare = 7, kUnSqrt = 8,
  kUnRsqrt = 9, kUnExp = 10, kUnLog = 11, kUnAbs = 12, kUnReciprocal = 13, kUnTanh = 14, kUnSwish = 15
};

/** out[i] = f(x[i]); alpha is LeakyRelu's slope or Step's value at x ≤ 0. */
void unary(int op, const float* x, float* out, int64_t n, float alpha);

/** dx = dy · d(x·sigmoid(x))/dx. */
void swish_grad(const float* x, const float* dy, float* dx, int64_t n);

}  // namespace mammo
