// Max pooling on NHWC tensors, forward and gradient, with tfjs's tie rule (the first maximum in
// row-major window order wins the gradient).
#pragma once
#include "conv.h"

namespace mammo {

/** g.kH × g.kW windows, g.inC == g.outC channels. */
void maxpool_forward(const ConvGeom& g, const float* x, float* out);
void maxpool_backprop(const ConvGeom& g, const float* dy, const float* x, float* dx);

}  // namespace mammo
