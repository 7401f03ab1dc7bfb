// 2-D convolution on NHWC tensors with HWIO filters (tfjs's layout), forward and both gradients.
#pragma once
#include <cstdint>

namespace mammo {

/** A convolution's shapes, tfjs's Conv2DInfo in integers. Padding is top/left; the bottom/right
 *  padding follows from the output size. */
struct ConvGeom {
  int64_t batch, inH, inW, inC;
  int64_t kH, kW, outC;
  int64_t outH, outW;
  int64_t strideH, strideW, dilH, dilW;
  int64_t padTop, padLeft;
};

/** Activations a forward convolution or matmul can apply to its output (tfjs's fused kernels). */
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kSigmoid = 4, kElu = 5 };

/** out = act(conv(x, filter) + bias); bias (outC) may be null. */
void conv2d_forward(const ConvGeom& g, const float* x, const float* filter, const float* bias, int activation, float alpha,
                    float* out);
/** dx = ∂loss/∂x from dy = ∂loss/∂out. */
void conv2d_backprop_input(const ConvGeom& g, const float* dy, const float* filter, float* dx);
/** dfilter = ∂loss/∂filter from x and dy. */
void conv2d_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dfilter);

/** Output columns [lo, hi) whose input column ow·stride − pad + k·dil falls inside [0, inW). */
inline void valid_cols(int64_t inW, int64_t outW, int64_t stride, int64_t pad, int64_t k, int64_t dil, int64_t* lo, int64_t* hi) {
  const int64_t shift = k * dil - pad;  // input column = ow·stride + shift
  const int64_t a = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
  const int64_t b = inW - 1 - shift < 0 ? 0 : (inW - 1 - shift) / stride + 1;
  *lo = a < outW ? a : outW;
  *hi = b < *lo ? *lo : (b < outW ? b : outW);
}

/** Applies bias (per last-axis channel, length c; may be null) and an activation to rows × c values in place. */
void bias_activation(float* v, int64_t rows, int64_t c, const float* bias, int activation, float alpha);

}  // namespace mammo
