// Depthwise 2-D convolution (channel multiplier 1) on NHWC tensors, filter [kH, kW, C, 1].
#pragma once
#include "conv.h"

namespace mammo {

/** out = act(depthwise(x, filter) + bias); g.inC == g.outC; bias (C) may be null. */
void depthwise_forward(const ConvGeom& g, const float* x, const float* filter, const float* bias, int activation, float alpha, float* out);
void depthwise_backprop_input(const ConvGeom& g, const float* dy, const float* filter, float* dx);
void depthwise_backprop_filter(const ConvGeom& g, const float* x, const float* dy, float* dfilter);

}  // namespace mammo
