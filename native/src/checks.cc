#include "checks.h"

#include <string>

namespace mammo {

bool read_geometry(Args& args, size_t i, ConvGeom* g) {
  int64_t len = 0;
  const int32_t* v = args.i32(i, &len);
  if (args.failed() || !args.require(len == 15, "geometry has " + std::to_string(len) + " integers, expected 15")) return false;
  *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return geometry_ok(args, *g);
}

namespace {

/** One spatial axis: padding within the window, every window starting inside the padded input. */
bool axis_ok(Args& args, const char* axis, int64_t in, int64_t k, int64_t out, int64_t stride, int64_t dil, int64_t pad) {
  const int64_t window = (k - 1) * dil + 1;
  const std::string a(axis);
  if (!args.in_range(("geometry pad" + a).c_str(), pad, 0, window - 1)) return false;
  const int64_t lastStart = (out - 1) * stride - pad;
  return args.require(lastStart <= in - 1, "geometry out" + a + " " + std::to_string(out) + " with stride " + std::to_string(stride) +
                                               " puts its last window at " + std::to_string(lastStart) + ", past in" + a + " " +
                                               std::to_string(in));
}

}  // namespace

bool geometry_ok(Args& args, const ConvGeom& g) {
  const struct {
    const char* name;
    int64_t value;
  } sizes[] = {{"geometry batch", g.batch}, {"geometry inH", g.inH},         {"geometry inW", g.inW},        {"geometry inC", g.inC},
               {"geometry kH", g.kH},       {"geometry kW", g.kW},           {"geometry outC", g.outC},      {"geometry outH", g.outH},
               {"geometry outW", g.outW},   {"geometry strideH", g.strideH}, {"geometry strideW", g.strideW}, {"geometry dilH", g.dilH},
               {"geometry dilW", g.dilW}};
  for (const auto& s : sizes)
    if (!args.positive(s.name, s.value)) return false;
  return axis_ok(args, "H", g.inH, g.kH, g.outH, g.strideH, g.dilH, g.padTop) &&
         axis_ok(args, "W", g.inW, g.kW, g.outW, g.strideW, g.dilW, g.padLeft);
}

bool conv_length(Args& args, const char* what, int64_t length, const ConvGeom& g, ConvTensor t) {
  switch (t) {
    case kConvInput: return args.length_is(what, length, {g.batch, g.inH, g.inW, g.inC});
    case kConvOutput: return args.length_is(what, length, {g.batch, g.outH, g.outW, g.outC});
    case kConvFilter: return args.length_is(what, length, {g.kH, g.kW, g.inC, g.outC});
    case kDepthwiseFilter: return args.length_is(what, length, {g.kH, g.kW, g.inC, 1});
    case kConvBias: return args.length_is(what, length, {g.outC});
  }
  return args.require(false, "unknown tensor of a convolution");
}

bool channel_rows(Args& args, int64_t n, int64_t C) {
  if (!args.positive("channels", C)) return false;
  return args.require(n >= C && n % C == 0,
                      "input length " + std::to_string(n) + " is not a whole, non-zero number of rows of " + std::to_string(C) + " channels");
}

bool per_channel(Args& args, const char* what, int64_t length, int64_t C, bool broadcast) {
  if (broadcast && length == 1) return true;
  return args.require(length == C, std::string(what) + " length " + std::to_string(length) + " does not match " + std::to_string(C) +
                                       " channels" + (broadcast ? " (or 1)" : ""));
}

namespace {

/** The furthest element `strides` reach over `shape`, +1: the length they need. */
__int128 reach(int64_t rank, const int32_t* shape, const int32_t* strides) {
  __int128 last = 0;
  for (int64_t d = 0; d < rank; d++) last += static_cast<__int128>(shape[d] - 1) * strides[d];
  return last + 1;
}

}  // namespace

bool broadcast_ok(Args& args, int64_t rank, const int32_t* shape, const int32_t* aStrides, int64_t aLength, const int32_t* bStrides,
                  int64_t bLength, int64_t outLength) {
  if (!args.in_range("rank", rank, 1, 8)) return false;
  int64_t elements = 1;
  for (int64_t d = 0; d < rank; d++) {
    const std::string dim = "[" + std::to_string(d) + "]";
    if (!args.positive(("outShape" + dim).c_str(), shape[d]) || !args.in_range(("aStrides" + dim).c_str(), aStrides[d], 0, INT32_MAX) ||
        !args.in_range(("bStrides" + dim).c_str(), bStrides[d], 0, INT32_MAX))
      return false;
    if (!args.require(!__builtin_mul_overflow(elements, shape[d], &elements), "outShape's size overflows")) return false;
  }
  const __int128 needA = reach(rank, shape, aStrides), needB = reach(rank, shape, bStrides);
  return args.require(outLength == elements, "output length " + std::to_string(outLength) + " does not match the shape's " +
                                                 std::to_string(elements) + " elements") &&
         args.require(needA <= aLength, "a length " + std::to_string(aLength) + " is shorter than its strides reach (" +
                                            std::to_string(static_cast<int64_t>(needA)) + ")") &&
         args.require(needB <= bLength, "b length " + std::to_string(bLength) + " is shorter than its strides reach (" +
                                            std::to_string(static_cast<int64_t>(needB)) + ")");
}

}  // namespace mammo
