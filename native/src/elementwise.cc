#include "elementwise.h"

#include <algorithm>
#include <cmath>

#include "pool.h"
#include "simd.h"
#include "vmath.h"

namespace mammo {
namespace {

constexpr int64_t kChunk = 16384;  // elements per task

template <int Op>
inline vf apply(vf a, vf b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  if constexpr (Op == kSquaredDiff) return (a - b) * (a - b);
  if constexpr (Op == kMaximum) return vmax(a, b);
  return vmin(a, b);
}

template <int Op>
inline float apply1(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  if constexpr (Op == kSquaredDiff) return (a - b) * (a - b);
  // tfjs's Maximum/Minimum propagate NaN
  if constexpr (Op == kMaximum) return (a != a || b != b) ? NAN : (a > b ? a : b);
  return (a != a || b != b) ? NAN : (a < b ? a : b);
}

/** out[0..n) = a ∘ b with a, b each either contiguous (stride 1) or one repeated value (stride 0). */
template <int Op>
inline void run(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  int64_t i = 0;
  if constexpr (Op == kMaximum || Op == kMinimum) {
    for (; i < n; i++) out[i] = apply1<Op>(a[i * sa], b[i * sb]);
    return;
  }
  if (sa == 1 && sb == 1) {
    for (; i + kV <= n; i += kV) vstore(out + i, apply<Op>(vload(a + i), vload(b + i)));
  } else if (sa == 1) {
    const vf bv = vbroadcast(*b);
    for (; i + kV <= n; i += kV) vstore(out + i, apply<Op>(vload(a + i), bv));
  } else if (sb == 1) {
    const vf av = vbroadcast(*a);
    for (; i + kV <= n; i += kV) vstore(out + i, apply<Op>(av, vload(b + i)));
  }
  for (; i < n; i++) out[i] = apply1<Op>(a[i * sa], b[i * sb]);
}

template <int Op>
void binary_t(const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* as, const int64_t* bs) {
  const int64_t inner = shape[rank - 1], sa = as[rank - 1], sb = bs[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  const int64_t rowsPerTask = std::max<int64_t>(1, kChunk / std::max<int64_t>(inner, 1));
  const int64_t innerTasks = inner > 4 * kChunk ? ceil_div(inner, kChunk) : 1;  // one long row: split it
  parallel_for(ceil_div(outer, rowsPerTask) * innerTasks, [&](int64_t task) {
    const int64_t rowTask = task / innerTasks, part = task % innerTasks;
    const int64_t j0 = innerTasks == 1 ? 0 : part * kChunk, j1 = innerTasks == 1 ? inner : std::min(inner, j0 + kChunk);
    const int64_t r0 = rowTask * rowsPerTask, r1 = std::min(outer, r0 + rowsPerTask);
    // odometer over the outer dimensions
    int64_t idx[8] = {};
    int64_t rem = r0, aOff = 0, bOff = 0;
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      aOff += idx[d] * as[d];
      bOff += idx[d] * bs[d];
    }
    for (int64_t r = r0; r < r1; r++) {
      run<Op>(a + aOff + j0 * sa, sa, b + bOff + j0 * sb, sb, out + r * inner + j0, j1 - j0);
      for (int d = rank - 2; d >= 0; d--) {
        aOff += as[d];
        bOff += bs[d];
        if (++idx[d] < shape[d]) break;
        aOff -= idx[d] * as[d];
        bOff -= idx[d] * bs[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void binary(int op, const float* a, const float* b, float* out, int rank, const int64_t* outShape, const int64_t* aStrides,
            const int64_t* bStrides) {
  // Merge neighbouring dimensions that both inputs traverse alike, so the inner loop is long.
  int64_t shape[8], as[8], bs[8];
  int r = 0;
  for (int d = 0; d < rank; d++) {
    if (outShape[d] == 1) continue;
    if (r > 0 && as[r - 1] == aStrides[d] * outShape[d] && bs[r - 1] == bStrides[d] * outShape[d]) {
      shape[r - 1] *= outShape[d];
      as[r - 1] = aStrides[d];
      bs[r - 1] = bStrides[d];
      continue;
    }
    shape[r] = outShape[d];
    as[r] = aStrides[d];
    bs[r] = bStrides[d];
    r++;
  }
  if (r == 0) {
    shape[0] = 1;
    as[0] = bs[0] = 0;
    r = 1;
  }
  switch (op) {
    case kAdd: return binary_t<kAdd>(a, b, out, r, shape, as, bs);
    case kSub: return binary_t<kSub>(a, b, out, r, shape, as, bs);
    case kMul: return binary_t<kMul>(a, b, out, r, shape, as, bs);
    case kDiv: return binary_t<kDiv>(a, b, out, r, shape, as, bs);
    case kSquaredDiff: return binary_t<kSquaredDiff>(a, b, out, r, shape, as, bs);
    case kMaximum: return binary_t<kMaximum>(a, b, out, r, shape, as, bs);
    case kMinimum: return binary_t<kMinimum>(a, b, out, r, shape, as, bs);
    default: return;
  }
}

namespace {

/** 1/(1 + e^−x), as e^x/(1 + e^x) for x < 0 so that tiny results do not flush to 0. */
inline vf vsigmoid(vf x) {
  const vf e = vexp(x < vf{} ? x : -x);
  const vf r = vbroadcast(1.f) / (vbroadcast(1.f) + e);
  return x < vf{} ? e * r : r;
}


template <int Op>
void unary_t(const float* x, float* out, int64_t n, float alpha) {
  parallel_for(ceil_div(n, kChunk), [&](int64_t t) {
    const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
    int64_t i = i0;
    if constexpr (Op == kUnSigmoid || Op == kUnSwish || Op == kUnElu || Op == kUnRelu || Op == kUnNeg || Op == kUnSquare ||
                  Op == kUnReciprocal || Op == kUnStep || Op == kUnRelu6 || Op == kUnLeakyRelu || Op == kUnAbs) {
      for (; i + kV <= i1; i += kV) {
        const vf v = vload(x + i);
        vf y;
        if constexpr (Op == kUnSigmoid) y = vsigmoid(v);
        if constexpr (Op == kUnSwish) y = v * vsigmoid(v);
        if constexpr (Op == kUnElu) y = v > vf{} ? v : vexp(v) - vbroadcast(1.f);
        if constexpr (Op == kUnRelu) y = v < vf{} ? vf{} : v;  // NaN passes through, as in tfjs
        if constexpr (Op == kUnNeg) y = -v;
        if constexpr (Op == kUnSquare) y = v * v;
        if constexpr (Op == kUnReciprocal) y = vbroadcast(1.f) / v;
        if constexpr (Op == kUnStep) y = v != v ? v : (v > vf{} ? vbroadcast(1.f) : vbroadcast(alpha));
        if constexpr (Op == kUnRelu6) y = v < vf{} ? vf{} : (v > vbroadcast(6.f) ? vbroadcast(6.f) : v);
        if constexpr (Op == kUnLeakyRelu) y = v < vf{} ? v * vbroadcast(alpha) : v;
        if constexpr (Op == kUnAbs) y = v < vf{} ? -v : v;
        vstore(out + i, y);
      }
    }
    for (; i < i1; i++) {
      const float v = x[i];
      float y;
      switch (Op) {
        case kUnRelu: y = v < 0.f ? 0.f : v; break;
        case kUnRelu6: y = v < 0.f ? 0.f : (v > 6.f ? 6.f : v); break;
        case kUnLeakyRelu: y = v < 0.f ? alpha * v : v; break;
        case kUnElu: y = v > 0.f ? v : std::expm1(v); break;
        case kUnSigmoid: y = sigmoid1(v); break;
        case kUnSwish: y = v * sigmoid1(v); break;
        case kUnStep: y = v != v ? v : (v > 0.f ? 1.f : alpha); break;
        case kUnNeg: y = -v; break;
        case kUnSquare: y = v * v; break;
        case kUnSqrt: y = std::sqrt(v); break;
        case kUnRsqrt: y = 1.f / std::sqrt(v); break;
        case kUnExp: y = std::exp(v); break;
        case kUnLog: y = std::log(v); break;
        case kUnAbs: y = std::fabs(v); break;
        case kUnReciprocal: y = 1.f / v; break;
        case kUnTanh: y = std::tanh(v); break;
        default: y = v; break;
      }
      out[i] = y;
    }
  });
}

}  // namespace

void unary(int op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case kUnRelu: return unary_t<kUnRelu>(x, out, n, alpha);
    case kUnRelu6: return unary_t<kUnRelu6>(x, out, n, alpha);
    case kUnLeakyRelu: return unary_t<kUnLeakyRelu>(x, out, n, alpha);
    case kUnElu: return unary_t<kUnElu>(x, out, n, alpha);
    case kUnSigmoid: return unary_t<kUnSigmoid>(x, out, n, alpha);
    case kUnStep: return unary_t<kUnStep>(x, out, n, alpha);
    case kUnNeg: return unary_t<kUnNeg>(x, out, n, alpha);
    case kUnSquare: return unary_t<kUnSquare>(x, out, n, alpha);
    case kUnSqrt: return unary_t<kUnSqrt>(x, out, n, alpha);
    case kUnRsqrt: return unary_t<kUnRsqrt>(x, out, n, alpha);
    case kUnExp: return unary_t<kUnExp>(x, out, n, alpha);
    case kUnLog: return unary_t<kUnLog>(x, out, n, alpha);
    case kUnAbs: return unary_t<kUnAbs>(x, out, n, alpha);
    case kUnReciprocal: return unary_t<kUnReciprocal>(x, out, n, alpha);
    case kUnTanh: return unary_t<kUnTanh>(x, out, n, alpha);
    case kUnSwish: return unary_t<kUnSwish>(x, out, n, alpha);
    default: return;
  }
}

void swish_grad(const float* x, const float* dy, float* dx, int64_t n) {
  // d/dx x·s(x) = s + x·s·(1 − s)
  parallel_for(ceil_div(n, kChunk), [&](int64_t t) {
    const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
    int64_t i = i0;
    const vf one = vbroadcast(1.f);
    for (; i + kV <= i1; i += kV) {
      const vf v = vload(x + i), s = vsigmoid(v);
      vstore(dx + i, vload(dy + i) * (s + v * s * (one - s)));
    }
    for (; i < i1; i++) {
      const float v = x[i], s = sigmoid1(v);
      dx[i] = dy[i] * (s + v * s * (1.f - s));
    }
  });
}

}  // namespace mammo
