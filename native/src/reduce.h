// Reductions of float32 tensors seen as [A, R, C]: out[a, c] = reduce over r of x[a, r, c].
#pragma once
#include <cstdint>

namespace mammo {

enum ReduceOp { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };

/**
 * Sums run in fixed chunks of R (sizes from the shapes only) accumulated in float64 and added
 * in chunk order, so they do not depend on the number of threads.
 */
void reduce(int op, const float* x, float* out, int64_t A, int64_t R, int64_t C);

}  // namespace mammo
