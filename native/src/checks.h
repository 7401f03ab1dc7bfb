// What each kernel's arguments must satisfy before it runs: the checks the N-API functions
// (addon.cc) make so that no call, however wrong, reads or writes outside its buffers or divides
// by zero. Each returns false after throwing a JavaScript error through `args`.
#pragma once
#include <cstdint>

#include "conv.h"
#include "napi_args.h"

namespace mammo {

/** The 15 integers of a ConvGeom from Int32Array argument i, checked by geometry_ok. */
bool read_geometry(Args& args, size_t i, ConvGeom* g);

/**
 * Every size, stride and dilation ≥ 1, the paddings ≥ 0 and the zero-padded copies the kernels
 * make of sizes int64 holds. (The kernels bound every input index themselves, so any padding
 * tfjs's Conv2DInfo gives, windows wholly inside the padding included, is safe.)
 */
bool geometry_ok(Args& args, const ConvGeom& g);

/** The tensors of a convolution or pooling kernel. */
enum ConvTensor { kConvInput, kConvOutput, kConvFilter, kDepthwiseFilter, kConvBias };

/** `length` is the number of elements tensor `t` has under `g`. */
bool conv_length(Args& args, const char* what, int64_t length, const ConvGeom& g, ConvTensor t);

/** `n` is a whole, non-zero number of rows of C ≥ 1 channels. */
bool channel_rows(Args& args, int64_t n, int64_t C);

/** `length` is C, or 1 as well when `broadcast` (a parameter shared by all channels). */
bool per_channel(Args& args, const char* what, int64_t length, int64_t C, bool broadcast);

/**
 * The broadcast binary op's outShape (rank 1…8, sizes ≥ 1) and strides (≥ 0): out has every
 * element of the shape, and a / b reach no further than their lengths.
 */
bool broadcast_ok(Args& args, int64_t rank, const int32_t* shape, const int32_t* aStrides, int64_t aLength, const int32_t* bStrides,
                  int64_t bLength, int64_t outLength);

}  // namespace mammo
