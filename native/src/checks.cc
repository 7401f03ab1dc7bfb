#include "checks.h"

#include <string>

namespace mammo {

bool read_geometry(Args& args, size_t i, ConvGeom* g) {
  int64_t len = 0;
  const int32_t* v = args.i32(i, &len);
  if (args.failed() || !args.require(len == 15, [&] { return "geometry has " + std::to_string(len) + " integers, expected 15"; }))
    return false;
  *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return geometry_ok(args, *g);
}

namespace {

/**
 * The rows (or columns) of the zero-padded copies the kernels make along one axis: the forward
 * pass's (out − 1)·stride + (k − 1)·dil + 1 and the input gradient's in + (k − 1)·dil; -1 when
 * either overflows int64.
 */
int64_t padded_extent(int64_t in, int64_t k, int64_t out, int64_t stride, int64_t dil) {
  int64_t span, forward, backward;
  if (__builtin_mul_overflow(k - 1, dil, &span) || __builtin_mul_overflow(out - 1, stride, &forward) ||
      __builtin_add_overflow(forward, span + 1, &forward) || __builtin_add_overflow(in, span, &backward))
    return -1;
  return forward > backward ? forward : backward;
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
  if (!args.require(g.padTop >= 0 && g.padLeft >= 0,
                    [&] { return "geometry pads must be ≥ 0, got " + std::to_string(g.padTop) + ", " + std::to_string(g.padLeft); }))
    return false;
  // the padded copies must have a size int64 can hold (one too large to allocate throws std::bad_alloc)
  const int64_t rows = padded_extent(g.inH, g.kH, g.outH, g.strideH, g.dilH), cols = padded_extent(g.inW, g.kW, g.outW, g.strideW, g.dilW);
  const int64_t channels = g.inC > g.outC ? g.inC : g.outC;
  return args.require(rows > 0 && cols > 0 && product({g.batch, rows, cols, channels}) > 0,
                      [&] { return "geometry's padded input (" + shape_text({g.batch, rows, cols, channels}) + ") overflows"; });
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
  return args.require(n >= C && n % C == 0, [&] {
    return "input length " + std::to_string(n) + " is not a whole, non-zero number of rows of " + std::to_string(C) + " channels";
  });
}

bool per_channel(Args& args, const char* what, int64_t length, int64_t C, bool broadcast) {
  if (broadcast && length == 1) return true;
  return args.require(length == C, [&] {
    return std::string(what) + " length " + std::to_string(length) + " does not match " + std::to_string(C) + " channels" +
           (broadcast ? " (or 1)" : "");
  });
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
    if (shape[d] < 1 || aStrides[d] < 0 || bStrides[d] < 0) {  // (the message only on failure: this runs on every call)
      const std::string dim = "[" + std::to_string(d) + "]";
      args.positive(("outShape" + dim).c_str(), shape[d]) && args.in_range(("aStrides" + dim).c_str(), aStrides[d], 0, INT32_MAX) &&
          args.in_range(("bStrides" + dim).c_str(), bStrides[d], 0, INT32_MAX);
      return false;
    }
    if (!args.require(!__builtin_mul_overflow(elements, shape[d], &elements), "outShape's size overflows")) return false;
  }
  const __int128 needA = reach(rank, shape, aStrides), needB = reach(rank, shape, bStrides);
  const auto shorter = [](const char* name, int64_t length, __int128 need) {
    return std::string(name) + " length " + std::to_string(length) + " is shorter than its strides reach (" +
           std::to_string(static_cast<int64_t>(need)) + ")";
  };
  return args.require(outLength == elements,
                      [&] {
                        return "output length " + std::to_string(outLength) + " does not match the shape's " + std::to_string(elements) +
                               " elements";
                      }) &&
         args.require(needA <= aLength, [&] { return shorter("a", aLength, needA); }) &&
         args.require(needB <= bLength, [&] { return shorter("b", bLength, needB); });
}

}  // namespace mammo
