import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/backend/index.ts";
await initBackend("native");
const time = (f: () => tf.Tensor) => { const ts: number[] = []; for (let i = 0; i < 4; i++) { const t0 = performance.now(); const r = f(); ts.push(performance.now() - t0); r.dispose(); } ts.sort((a, b) => a - b); return ts[1]!.toFixed(1); };
for (const [H, C, k, s] of [[112, 96, 3, 2], [112, 32, 3, 1], [56, 144, 3, 1], [56, 144, 5, 2]] as const) {
  const x = tf.randomNormal([16, H, H, C]); const f = tf.randomNormal([k, k, C, 1]);
  const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, "same");
  const dy = tf.randomNormal(y.shape);
  console.log(`${H}x${H}x${C} k${k} s${s}`, "fwd", time(() => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, "same")),
    "dInput", time(() => tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, { strides: s, pad: "same", dilations: 1, inputShape: x.shape, dimRoundingMode: undefined }) as tf.Tensor),
    "dFilter", time(() => tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { strides: s, pad: "same", dilations: 1, filterShape: f.shape, dimRoundingMode: undefined }) as tf.Tensor),
    "mul", time(() => tf.mul(x, x)));
  tf.dispose([x, f, y, dy]);
}
