// The N-API surface of the native kernels. Every function reads Float32Arrays in place and writes
// into a preallocated output Float32Array; shapes and attributes are plain integers. Nothing is
// trusted: each function checks its arguments' types, every length against the shapes it is
// given, sizes ≥ 1 and codes in range (checks.h) before its kernel runs, and turns an allocation
// failure inside a kernel into a JavaScript error; every error names the function.
#include <node_api.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "adamw.h"
#include "batchnorm.h"
#include "checks.h"
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

/**
 * Runs `kernel` once every check passed, and returns undefined; an allocation failure or other
 * C++ exception inside it becomes a JavaScript error. nullptr (a pending JS error) otherwise.
 */
template <typename Kernel>
napi_value run(Args& args, Kernel kernel) {
  if (args.failed()) return nullptr;
  try {
    kernel();
  } catch (const std::bad_alloc&) {
    args.require(false, "out of memory");
    return nullptr;
  } catch (const std::exception& e) {
    args.require(false, e.what());
    return nullptr;
  }
  napi_value u;
  if (!args.status(napi_get_undefined(args.env(), &u), "napi_get_undefined")) return nullptr;
  return u;
}

/** A fused activation code (conv.h's Activation). */
int64_t activation(Args& args, size_t i) {
  const int64_t act = args.integer(i);
  args.in_range("activation", act, kLinear, kElu);
  return act;
}

// matmul(a, b, out, batch, m, n, k, transA, transB, strideA, strideB, bias | null, activation, alpha)
// out[i] = act(op(a[i])·op(b[i]) + bias) for i < batch, a[i] at a + i·strideA (0 repeats one matrix).
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args args(env, info, "matmul");
  int64_t na = 0, nb = 0, no = 0, nbias = 0;
  float* a = args.f32(0, &na);
  float* b = args.f32(1, &nb);
  float* out = args.f32(2, &no);
  const int64_t batch = args.integer(3), m = args.integer(4), n = args.integer(5), k = args.integer(6);
  const bool ta = args.integer(7) != 0, tb = args.integer(8) != 0;
  const int64_t sa = args.integer(9), sb = args.integer(10);
  float* bias = args.f32_or_null(11, &nbias);
  const int64_t act = activation(args, 12);
  const double alpha = args.number(13);
  args.positive("batch", batch) && args.positive("m", m) && args.positive("n", n) && args.positive("k", k) &&
      args.require(sa == 0 || sa == product({m, k}), [&] { return "strideA " + std::to_string(sa) + " is neither 0 nor m·k"; }) &&
      args.require(sb == 0 || sb == product({k, n}), [&] { return "strideB " + std::to_string(sb) + " is neither 0 nor k·n"; }) &&
      (sa == 0 ? args.length_is("a", na, {m, k}) : args.length_is("a", na, {batch, m, k})) &&
      (sb == 0 ? args.length_is("b", nb, {k, n}) : args.length_is("b", nb, {batch, k, n})) && args.length_is("output", no, {batch, m, n}) &&
      (!bias || args.length_is("bias", nbias, {n}));
  return run(args, [&] {
    for (int64_t i = 0; i < batch; i++) matmul(m, n, k, a + i * sa, ta, b + i * sb, tb, out + i * m * n);
    bias_activation(out, batch * m, n, bias, static_cast<int>(act), static_cast<float>(alpha));
  });
}

/** The arguments of a forward convolution: (x, filter, bias | null, out, geom, activation, alpha). */
struct ConvForward {
  float *x, *filter, *bias, *out;
  ConvGeom g;
  int64_t act;
  double alpha;
};

bool read_conv_forward(Args& args, ConvTensor filterKind, ConvForward* c) {
  int64_t nx = 0, nf = 0, nbias = 0, no = 0;
  c->x = args.f32(0, &nx);
  c->filter = args.f32(1, &nf);
  c->bias = args.f32_or_null(2, &nbias);
  c->out = args.f32(3, &no);
  if (args.failed() || !read_geometry(args, 4, &c->g)) return false;
  c->act = activation(args, 5);
  c->alpha = args.number(6);
  if (filterKind == kDepthwiseFilter && !args.require(c->g.inC == c->g.outC, "geometry inC and outC differ (channel multiplier 1 only)"))
    return false;
  return conv_length(args, "input", nx, c->g, kConvInput) && conv_length(args, "filter", nf, c->g, filterKind) &&
         conv_length(args, "output", no, c->g, kConvOutput) && (!c->bias || conv_length(args, "bias", nbias, c->g, kConvBias));
}

/** The arguments of a convolution gradient: three tensors (named `what`, of kinds `kinds`) and the geometry. */
bool read_conv_grad(Args& args, const char* const what[3], const ConvTensor kinds[3], float* t[3], ConvGeom* g) {
  int64_t n[3] = {};
  for (size_t i = 0; i < 3; i++) t[i] = args.f32(i, &n[i]);
  if (args.failed() || !read_geometry(args, 3, g)) return false;
  if ((kinds[0] == kDepthwiseFilter || kinds[1] == kDepthwiseFilter || kinds[2] == kDepthwiseFilter) &&
      !args.require(g->inC == g->outC, "geometry inC and outC differ (channel multiplier 1 only)"))
    return false;
  for (size_t i = 0; i < 3; i++)
    if (!conv_length(args, what[i], n[i], *g, kinds[i])) return false;
  return true;
}

// conv2d(x, filter, bias | null, out, geom, activation, alpha)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args args(env, info, "conv2d");
  ConvForward c;
  read_conv_forward(args, kConvFilter, &c);
  return run(args, [&] { conv2d_forward(c.g, c.x, c.filter, c.bias, static_cast<int>(c.act), static_cast<float>(c.alpha), c.out); });
}

// conv2dBackpropInput(dy, filter, dx, geom)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  Args args(env, info, "conv2dBackpropInput");
  const char* const what[3] = {"dy", "filter", "dx"};
  const ConvTensor kinds[3] = {kConvOutput, kConvFilter, kConvInput};
  float* t[3];
  ConvGeom g;
  read_conv_grad(args, what, kinds, t, &g);
  return run(args, [&] { conv2d_backprop_input(g, t[0], t[1], t[2]); });
}

// conv2dBackpropFilter(x, dy, dfilter, geom)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Args args(env, info, "conv2dBackpropFilter");
  const char* const what[3] = {"x", "dy", "dfilter"};
  const ConvTensor kinds[3] = {kConvInput, kConvOutput, kConvFilter};
  float* t[3];
  ConvGeom g;
  read_conv_grad(args, what, kinds, t, &g);
  return run(args, [&] { conv2d_backprop_filter(g, t[0], t[1], t[2]); });
}

// depthwise(x, filter, bias | null, out, geom, activation, alpha)
napi_value Depthwise(napi_env env, napi_callback_info info) {
  Args args(env, info, "depthwise");
  ConvForward c;
  read_conv_forward(args, kDepthwiseFilter, &c);
  return run(args, [&] { depthwise_forward(c.g, c.x, c.filter, c.bias, static_cast<int>(c.act), static_cast<float>(c.alpha), c.out); });
}

// depthwiseBackpropInput(dy, filter, dx, geom)
napi_value DepthwiseBackpropInput(napi_env env, napi_callback_info info) {
  Args args(env, info, "depthwiseBackpropInput");
  const char* const what[3] = {"dy", "filter", "dx"};
  const ConvTensor kinds[3] = {kConvOutput, kDepthwiseFilter, kConvInput};
  float* t[3];
  ConvGeom g;
  read_conv_grad(args, what, kinds, t, &g);
  return run(args, [&] { depthwise_backprop_input(g, t[0], t[1], t[2]); });
}

// depthwiseBackpropFilter(x, dy, dfilter, geom)
napi_value DepthwiseBackpropFilter(napi_env env, napi_callback_info info) {
  Args args(env, info, "depthwiseBackpropFilter");
  const char* const what[3] = {"x", "dy", "dfilter"};
  const ConvTensor kinds[3] = {kConvInput, kConvOutput, kDepthwiseFilter};
  float* t[3];
  ConvGeom g;
  read_conv_grad(args, what, kinds, t, &g);
  return run(args, [&] { depthwise_backprop_filter(g, t[0], t[1], t[2]); });
}

/** A pooling's geometry: the window is kH × kW, the channels pass through (inC == outC), and the
 *  gradient's int32 pixel index (pool2d.cc) holds inH·inW. */
bool pool_geometry(Args& args, size_t i, ConvGeom* g) {
  return read_geometry(args, i, g) &&
         args.require(g->inC == g->outC,
                      [&] {
                        return "geometry inC " + std::to_string(g->inC) + " and outC " + std::to_string(g->outC) +
                               " differ (pooling keeps the channels)";
                      }) &&
         args.require(g->inH * g->inW <= INT32_MAX,
                      [&] { return "geometry inH·inW " + std::to_string(g->inH * g->inW) + " exceeds the int32 pixel index"; });
}

// maxPool(x, out, geom)
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args args(env, info, "maxPool");
  int64_t nx = 0, no = 0;
  float* x = args.f32(0, &nx);
  float* out = args.f32(1, &no);
  ConvGeom g;
  !args.failed() && pool_geometry(args, 2, &g) && conv_length(args, "input", nx, g, kConvInput) &&
      conv_length(args, "output", no, g, kConvOutput);
  return run(args, [&] { maxpool_forward(g, x, out); });
}

// maxPoolGrad(dy, x, dx, geom)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, "maxPoolGrad");
  int64_t ndy = 0, nx = 0, ndx = 0;
  float* dy = args.f32(0, &ndy);
  float* x = args.f32(1, &nx);
  float* dx = args.f32(2, &ndx);
  ConvGeom g;
  !args.failed() && pool_geometry(args, 3, &g) && conv_length(args, "dy", ndy, g, kConvOutput) &&
      conv_length(args, "x", nx, g, kConvInput) && conv_length(args, "dx", ndx, g, kConvInput);
  return run(args, [&] { maxpool_backprop(g, dy, x, dx); });
}

// binary(op, a, b, out, outShape: Int32Array, aStrides: Int32Array, bStrides: Int32Array)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args args(env, info, "binary");
  const int64_t op = args.integer(0);
  int64_t na = 0, nb = 0, no = 0, rank = 0, ra = 0, rb = 0;
  float* a = args.f32(1, &na);
  float* b = args.f32(2, &nb);
  float* out = args.f32(3, &no);
  const int32_t* shape = args.i32(4, &rank);
  const int32_t* as = args.i32(5, &ra);
  const int32_t* bs = args.i32(6, &rb);
  args.in_range("op", op, kAdd, kMinimum) &&
      args.require(ra == rank && rb == rank,
                   [&] {
                     return "aStrides (" + std::to_string(ra) + ") and bStrides (" + std::to_string(rb) +
                            ") need one stride per dimension of outShape (" + std::to_string(rank) + ")";
                   }) &&
      broadcast_ok(args, rank, shape, as, na, bs, nb, no);
  int64_t s[8], sa[8], sb[8];
  for (int64_t d = 0; !args.failed() && d < rank; d++) {
    s[d] = shape[d];
    sa[d] = as[d];
    sb[d] = bs[d];
  }
  return run(args, [&] { binary(static_cast<int>(op), a, b, out, static_cast<int>(rank), s, sa, sb); });
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args args(env, info, "unary");
  const int64_t op = args.integer(0);
  int64_t n = 0, no = 0;
  float* x = args.f32(1, &n);
  float* out = args.f32(2, &no);
  const double alpha = args.number(3);
  args.in_range("op", op, kUnRelu, kUnSwish) &&
      args.require(no == n, [&] { return "output length " + std::to_string(no) + " does not match input length " + std::to_string(n); });
  return run(args, [&] { unary(static_cast<int>(op), x, out, n, static_cast<float>(alpha)); });
}

/** Every length in `lengths` equals `n`, the first argument's (`names` for the message). */
bool same_lengths(Args& args, int64_t n, std::initializer_list<std::pair<const char*, int64_t>> lengths) {
  for (const auto& [name, length] : lengths)
    if (!args.require(length == n, [&, name = name, length = length] {
          return std::string(name) + " length " + std::to_string(length) + " does not match " + std::to_string(n);
        }))
      return false;
  return true;
}

// swishGrad(x, dy, dx)
napi_value SwishGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, "swishGrad");
  int64_t n = 0, ndy = 0, ndx = 0;
  float* x = args.f32(0, &n);
  float* dy = args.f32(1, &ndy);
  float* dx = args.f32(2, &ndx);
  !args.failed() && same_lengths(args, n, {{"dy", ndy}, {"dx", ndx}});
  return run(args, [&] { swish_grad(x, dy, dx, n); });
}

// reduce(op, x, out, A, R, C)
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args args(env, info, "reduce");
  const int64_t op = args.integer(0);
  int64_t nx = 0, no = 0;
  float* x = args.f32(1, &nx);
  float* out = args.f32(2, &no);
  const int64_t A = args.integer(3), R = args.integer(4), C = args.integer(5);
  args.in_range("op", op, kSum, kMin) && args.positive("A", A) && args.positive("R", R) && args.positive("C", C) &&
      args.length_is("input", nx, {A, R, C}) && args.length_is("output", no, {A, C});
  return run(args, [&] { reduce(static_cast<int>(op), x, out, A, R, C); });
}

// batchNorm(x, mean, variance, offset | null, scale | null, epsilon, out, C)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args args(env, info, "batchNorm");
  int64_t n = 0, nm = 0, nv = 0, no = 0, ns = 0, nout = 0;
  float* x = args.f32(0, &n);
  float* mean = args.f32(1, &nm);
  float* var = args.f32(2, &nv);
  float* off = args.f32_or_null(3, &no);
  float* scale = args.f32_or_null(4, &ns);
  const double eps = args.number(5);
  float* out = args.f32(6, &nout);
  const int64_t C = args.integer(7);
  !args.failed() && channel_rows(args, n, C) && per_channel(args, "mean", nm, C, true) && per_channel(args, "variance", nv, C, true) &&
      (!off || per_channel(args, "offset", no, C, true)) && (!scale || per_channel(args, "scale", ns, C, true)) &&
      same_lengths(args, n, {{"output", nout}});
  return run(args, [&] { batchnorm_forward(x, mean, nm, var, nv, off, no, scale, ns, static_cast<float>(eps), out, n / C, C); });
}

// batchNormStats(x, C, mean, variance)
napi_value BatchNormStats(napi_env env, napi_callback_info info) {
  Args args(env, info, "batchNormStats");
  int64_t n = 0, nm = 0, nv = 0;
  float* x = args.f32(0, &n);
  const int64_t C = args.integer(1);
  float* mean = args.f32(2, &nm);
  float* var = args.f32(3, &nv);
  !args.failed() && channel_rows(args, n, C) && per_channel(args, "mean", nm, C, false) && per_channel(args, "variance", nv, C, false);
  return run(args, [&] { batchnorm_stats(x, n / C, C, mean, var); });
}

// batchNormTrainGrad(dy, x, mean, variance, scale | null, epsilon, C, dx, dscale, doffset)
napi_value BatchNormTrainGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, "batchNormTrainGrad");
  int64_t n = 0, nx = 0, nm = 0, nv = 0, ns = 0, ndx = 0, nds = 0, ndo = 0;
  float* dy = args.f32(0, &n);
  float* x = args.f32(1, &nx);
  float* mean = args.f32(2, &nm);
  float* var = args.f32(3, &nv);
  float* scale = args.f32_or_null(4, &ns);
  const double eps = args.number(5);
  const int64_t C = args.integer(6);
  float* dx = args.f32(7, &ndx);
  float* dscale = args.f32(8, &nds);
  float* doffset = args.f32(9, &ndo);
  !args.failed() && channel_rows(args, n, C) && same_lengths(args, n, {{"x", nx}, {"dx", ndx}}) &&
      same_lengths(args, C, {{"mean", nm}, {"variance", nv}, {"dscale", nds}, {"doffset", ndo}}) &&
      (!scale || per_channel(args, "scale", ns, C, false));
  return run(args, [&] { batchnorm_train_grad(dy, x, mean, var, scale, static_cast<float>(eps), n / C, C, dx, dscale, doffset); });
}

// adamw(w, g, m, v, wOut, mOut, vOut, beta1, 1 − beta1, beta2, 1 − beta2, decay, √bc2, epsilon, stepSize)
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args args(env, info, "adamw");
  int64_t n = 0, len[6] = {};
  float* w = args.f32(0, &n);
  float* t[6];
  for (size_t i = 0; i < 6; i++) t[i] = args.f32(1 + i, &len[i]);
  AdamWConstants k;
  float* fields[] = {&k.beta1, &k.oneMinusBeta1, &k.beta2, &k.oneMinusBeta2, &k.decay, &k.sqrtBiasCorrection2, &k.epsilon, &k.stepSize};
  for (size_t i = 0; i < 8; i++) *fields[i] = static_cast<float>(args.number(7 + i));
  !args.failed() &&
      same_lengths(args, n, {{"g", len[0]}, {"m", len[1]}, {"v", len[2]}, {"wOut", len[3]}, {"mOut", len[4]}, {"vOut", len[5]}});
  return run(args, [&] { adamw_update(w, t[0], t[1], t[2], n, k, t[3], t[4], t[5]); });
}

// threads(n?): resizes the pool to n ∈ [1, kMaxThreads] threads first when n is given
napi_value Threads(napi_env env, napi_callback_info info) {
  Args args(env, info, "threads");
  if (args.count() > 0) {
    const int64_t n = args.integer(0);
    args.in_range("thread count", n, 1, kMaxThreads);
    if (!run(args, [&] { set_pool_threads(static_cast<int>(n)); })) return nullptr;
  }
  int threads = 0;
  if (!run(args, [&] { threads = pool_threads(); })) return nullptr;
  napi_value r;
  return args.status(napi_create_int32(env, threads, &r), "napi_create_int32") ? r : nullptr;
}

// Bumped whenever a function is added or its arguments change (lib/backend/native/addon.ts checks it).
constexpr int32_t kApiVersion = 1;

napi_value ApiVersion(napi_env env, napi_callback_info info) {
  Args args(env, info, "apiVersion");
  napi_value r;
  return args.status(napi_create_int32(env, kApiVersion, &r), "napi_create_int32") ? r : nullptr;
}

napi_value Isa(napi_env env, napi_callback_info info) {
  Args args(env, info, "isa");
  napi_value r;
  return args.status(napi_create_string_utf8(env, kIsa, NAPI_AUTO_LENGTH, &r), "napi_create_string_utf8") ? r : nullptr;
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
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v) != napi_ok ||
        napi_set_named_property(env, exports, f.name, v) != napi_ok) {
      const std::string msg = std::string("native: could not export ") + f.name;
      napi_throw_error(env, nullptr, msg.c_str());
      return nullptr;
    }
  }
  return exports;
}
