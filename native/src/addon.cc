// The N-API surface of the native kernels. Every function reads Float32Arrays in place and writes
// into a preallocated output Float32Array; shapes and attributes are plain integers. Argument
// checking (sizes, shapes) is the caller's (lib/backend/native): these functions trust it.
#include <node_api.h>

#include "adamw.h"
#include "batchnorm.h"
#include "conv.h"
#include "depthwise.h"
#include "elementwise.h"
#include "gemm.h"
#include "napi_args.h"
#include "pool.h"
#include "pool2d.h"
#include "reduce.h"
#include "simd.h"

namespace mammo {
namespace {

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/** The 15 integers of a ConvGeom, in declaration order, from an Int32Array argument. */
bool conv_geom(Args& args, size_t i, ConvGeom* g) {
  int64_t len = 0;
  const int32_t* v = args.i32(i, &len);
  if (args.failed()) return false;
  if (len != 15) {
    napi_throw_range_error(args.env(), nullptr, "mammo native: a convolution's geometry has 15 integers");
    return false;
  }
  *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return true;
}

// matmul(a, b, out, batch, m, n, k, transA, transB, strideA, strideB, bias | null, activation, alpha)
// out[i] = act(op(a[i])·op(b[i]) + bias) for i < batch, a[i] at a + i·strideA (0 repeats one matrix).
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* a = args.f32(0);
  float* b = args.f32(1);
  float* out = args.f32(2);
  const int64_t batch = args.integer(3), m = args.integer(4), n = args.integer(5), k = args.integer(6);
  const bool ta = args.integer(7) != 0, tb = args.integer(8) != 0;
  const int64_t sa = args.integer(9), sb = args.integer(10);
  float* bias = args.f32_or_null(11);
  const int64_t act = args.integer(12);
  const double alpha = args.number(13);
  if (args.failed()) return nullptr;
  for (int64_t i = 0; i < batch; i++) matmul(m, n, k, a + i * sa, ta, b + i * sb, tb, out + i * m * n);
  bias_activation(out, batch * m, n, bias, static_cast<int>(act), static_cast<float>(alpha));
  return undefined(env);
}

// conv2d(x, filter, bias | null, out, geom, activation, alpha)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* x = args.f32(0);
  float* f = args.f32(1);
  float* bias = args.f32_or_null(2);
  float* out = args.f32(3);
  ConvGeom g;
  if (!conv_geom(args, 4, &g)) return nullptr;
  const int64_t act = args.integer(5);
  const double alpha = args.number(6);
  if (args.failed()) return nullptr;
  conv2d_forward(g, x, f, bias, static_cast<int>(act), static_cast<float>(alpha), out);
  return undefined(env);
}

// conv2dBackpropInput(dy, filter, dx, geom)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* dy = args.f32(0);
  float* f = args.f32(1);
  float* dx = args.f32(2);
  ConvGeom g;
  if (!conv_geom(args, 3, &g)) return nullptr;
  conv2d_backprop_input(g, dy, f, dx);
  return undefined(env);
}

// conv2dBackpropFilter(x, dy, dfilter, geom)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* x = args.f32(0);
  float* dy = args.f32(1);
  float* df = args.f32(2);
  ConvGeom g;
  if (!conv_geom(args, 3, &g)) return nullptr;
  conv2d_backprop_filter(g, x, dy, df);
  return undefined(env);
}

// depthwise(x, filter, bias | null, out, geom, activation, alpha)
napi_value Depthwise(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* x = args.f32(0);
  float* f = args.f32(1);
  float* bias = args.f32_or_null(2);
  float* out = args.f32(3);
  ConvGeom g;
  if (!conv_geom(args, 4, &g)) return nullptr;
  const int64_t act = args.integer(5);
  const double alpha = args.number(6);
  if (args.failed()) return nullptr;
  depthwise_forward(g, x, f, bias, static_cast<int>(act), static_cast<float>(alpha), out);
  return undefined(env);
}

// depthwiseBackpropInput(dy, filter, dx, geom)
napi_value DepthwiseBackpropInput(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* dy = args.f32(0);
  float* f = args.f32(1);
  float* dx = args.f32(2);
  ConvGeom g;
  if (!conv_geom(args, 3, &g)) return nullptr;
  depthwise_backprop_input(g, dy, f, dx);
  return undefined(env);
}

// depthwiseBackpropFilter(x, dy, dfilter, geom)
napi_value DepthwiseBackpropFilter(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* x = args.f32(0);
  float* dy = args.f32(1);
  float* df = args.f32(2);
  ConvGeom g;
  if (!conv_geom(args, 3, &g)) return nullptr;
  depthwise_backprop_filter(g, x, dy, df);
  return undefined(env);
}

// maxPool(x, out, geom)
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* x = args.f32(0);
  float* out = args.f32(1);
  ConvGeom g;
  if (!conv_geom(args, 2, &g)) return nullptr;
  maxpool_forward(g, x, out);
  return undefined(env);
}

// maxPoolGrad(dy, x, dx, geom)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args(env, info);
  float* dy = args.f32(0);
  float* x = args.f32(1);
  float* dx = args.f32(2);
  ConvGeom g;
  if (!conv_geom(args, 3, &g)) return nullptr;
  maxpool_backprop(g, dy, x, dx);
  return undefined(env);
}

// binary(op, a, b, out, outShape: Int32Array, aStrides: Int32Array, bStrides: Int32Array)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const int64_t op = args.integer(0);
  float* a = args.f32(1);
  float* b = args.f32(2);
  float* out = args.f32(3);
  int64_t rank = 0, ra = 0, rb = 0;
  const int32_t* shape = args.i32(4, &rank);
  const int32_t* as = args.i32(5, &ra);
  const int32_t* bs = args.i32(6, &rb);
  if (args.failed()) return nullptr;
  if (rank > 8 || ra != rank || rb != rank) {
    napi_throw_range_error(env, nullptr, "mammo native: binary takes rank ≤ 8 and one stride per dimension");
    return nullptr;
  }
  int64_t s[8], sa[8], sb[8];
  for (int64_t d = 0; d < rank; d++) {
    s[d] = shape[d];
    sa[d] = as[d];
    sb[d] = bs[d];
  }
  binary(static_cast<int>(op), a, b, out, static_cast<int>(rank), s, sa, sb);
  return undefined(env);
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const int64_t op = args.integer(0);
  int64_t n = 0;
  float* x = args.f32(1, &n);
  float* out = args.f32(2);
  const double alpha = args.number(3);
  if (args.failed()) return nullptr;
  unary(static_cast<int>(op), x, out, n, static_cast<float>(alpha));
  return undefined(env);
}

// swishGrad(x, dy, dx)
napi_value SwishGrad(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t n = 0;
  float* x = args.f32(0, &n);
  float* dy = args.f32(1);
  float* dx = args.f32(2);
  if (args.failed()) return nullptr;
  swish_grad(x, dy, dx, n);
  return undefined(env);
}

// reduce(op, x, out, A, R, C)
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const int64_t op = args.integer(0);
  float* x = args.f32(1);
  float* out = args.f32(2);
  const int64_t A = args.integer(3), R = args.integer(4), C = args.integer(5);
  if (args.failed()) return nullptr;
  reduce(static_cast<int>(op), x, out, A, R, C);
  return undefined(env);
}

// batchNorm(x, mean, variance, offset | null, scale | null, epsilon, out, C)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t n = 0, nm = 0, nv = 0, no = 0, ns = 0;
  float* x = args.f32(0, &n);
  float* mean = args.f32(1, &nm);
  float* var = args.f32(2, &nv);
  float* off = args.f32_or_null(3);
  float* scale = args.f32_or_null(4);
  if (off) args.f32(3, &no);
  if (scale) args.f32(4, &ns);
  const double eps = args.number(5);
  float* out = args.f32(6);
  const int64_t C = args.integer(7);
  if (args.failed()) return nullptr;
  batchnorm_forward(x, mean, nm, var, nv, off, no, scale, ns, static_cast<float>(eps), out, n / C, C);
  return undefined(env);
}

// batchNormStats(x, C, mean, variance)
napi_value BatchNormStats(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t n = 0;
  float* x = args.f32(0, &n);
  const int64_t C = args.integer(1);
  float* mean = args.f32(2);
  float* var = args.f32(3);
  if (args.failed()) return nullptr;
  batchnorm_stats(x, n / C, C, mean, var);
  return undefined(env);
}

// batchNormTrainGrad(dy, x, mean, variance, scale | null, epsilon, C, dx, dscale, doffset)
napi_value BatchNormTrainGrad(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t n = 0;
  float* dy = args.f32(0, &n);
  float* x = args.f32(1);
  float* mean = args.f32(2);
  float* var = args.f32(3);
  float* scale = args.f32_or_null(4);
  const double eps = args.number(5);
  const int64_t C = args.integer(6);
  float* dx = args.f32(7);
  float* dscale = args.f32(8);
  float* doffset = args.f32(9);
  if (args.failed()) return nullptr;
  batchnorm_train_grad(dy, x, mean, var, scale, static_cast<float>(eps), n / C, C, dx, dscale, doffset);
  return undefined(env);
}

// adamw(w, g, m, v, wOut, mOut, vOut, beta1, 1 − beta1, beta2, 1 − beta2, decay, √bc2, epsilon, stepSize)
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t n = 0;
  float* w = args.f32(0, &n);
  float* g = args.f32(1);
  float* m = args.f32(2);
  float* v = args.f32(3);
  float* wOut = args.f32(4);
  float* mOut = args.f32(5);
  float* vOut = args.f32(6);
  AdamWConstants k;
  float* fields[] = {&k.beta1, &k.oneMinusBeta1, &k.beta2, &k.oneMinusBeta2, &k.decay, &k.sqrtBiasCorrection2, &k.epsilon, &k.stepSize};
  for (size_t i = 0; i < 8; i++) *fields[i] = static_cast<float>(args.number(7 + i));
  if (args.failed()) return nullptr;
  adamw_update(w, g, m, v, n, k, wOut, mOut, vOut);
  return undefined(env);
}

napi_value Threads(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (args.count() > 0) {
    const int64_t n = args.integer(0);
    if (args.failed()) return nullptr;
    if (n >= 1) set_pool_threads(static_cast<int>(n));
  }
  napi_value r;
  napi_create_int32(env, pool_threads(), &r);
  return r;
}

// Bumped whenever a function is added or its arguments change (lib/backend/native/addon.ts checks it).
constexpr int32_t kApiVersion = 1;

napi_value ApiVersion(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, kApiVersion, &r);
  return r;
}

napi_value Isa(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, kIsa, NAPI_AUTO_LENGTH, &r);
  return r;
}

}  // namespace
}  // namespace mammo

NAPI_MODULE_INIT() {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"matmul", mammo::MatMul},
      {"conv2d", mammo::Conv2d},
      {"conv2dBackpropInput", mammo::Conv2dBackpropInput},
      {"conv2dBackpropFilter", mammo::Conv2dBackpropFilter},
      {"depthwise", mammo::Depthwise},
      {"depthwiseBackpropInput", mammo::DepthwiseBackpropInput},
      {"depthwiseBackpropFilter", mammo::DepthwiseBackpropFilter},
      {"maxPool", mammo::MaxPool},
      {"maxPoolGrad", mammo::MaxPoolGrad},
      {"binary", mammo::Binary},
      {"unary", mammo::Unary},
      {"swishGrad", mammo::SwishGrad},
      {"reduce", mammo::Reduce},
      {"batchNorm", mammo::BatchNorm},
      {"batchNormStats", mammo::BatchNormStats},
      {"batchNormTrainGrad", mammo::BatchNormTrainGrad},
      {"adamw", mammo::AdamW},
      {"threads", mammo::Threads},
      {"isa", mammo::Isa},
      {"apiVersion", mammo::ApiVersion},
  };
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}
