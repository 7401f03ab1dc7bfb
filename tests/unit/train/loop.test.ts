import { expect, test } from "bun:test";
import { initBackend } from "../../../lib/backend/index.ts";
import { buildModel } from "../../../lib/models/index.ts";
import { orderedWeights, trainableVars, unfreezeAll, type NetParts } from "../../../lib/train/loop.ts";
import { netParts } from "../../../lib/train/network.ts";

const { tf } = await initBackend("cpu");

function net(): NetParts {
  return netParts(buildModel(tf, { arch: "small-cnn", imgSize: 8, numClasses: 4, dropout: 0.2, seed: 1 }));
}

/** "name@lr" of each variable that trains, by weight name. */
function training(n: NetParts, epoch: number, options: { unfreezeLastBlock: boolean; trainBackbone: boolean; warmupEpochs: number }): string[] {
  const names = orderedWeights(n.model).map((w) => w.originalName);
  return trainableVars(n, epoch, options, 0.1, 0.01).map((v) => `${names[v.key]}@${v.lr}`);
}

test("trainableVars: warm-up trains the head only, then the last block joins at the backbone rate", () => {
  const n = net();
  const head = ["head_dense/kernel@0.1", "head_dense/bias@0.1"];
  const options = { unfreezeLastBlock: true, trainBackbone: false, warmupEpochs: 2 };
  expect(training(n, 2, options)).toEqual(head);
  expect(n.model.getLayer("block3_conv").trainable).toBe(false);
  expect(training(n, 3, options)).toEqual(["block3_conv/kernel@0.01", "block3_bn/gamma@0.01", "block3_bn/beta@0.01", ...head]);
  n.model.dispose();
});

test("trainableVars: --train-backbone trains every backbone layer; neither flag trains the head only", () => {
  const n = net();
  const all = training(n, 1, { unfreezeLastBlock: true, trainBackbone: true, warmupEpochs: 0 });
  expect(all.filter((v) => v.endsWith("@0.01")).map((v) => v.split("/")[0])).toEqual(["block1_conv", "block1_bn", "block1_bn", "block2_conv", "block2_bn", "block2_bn", "block3_conv", "block3_bn", "block3_bn"]);
  expect(training(n, 1, { unfreezeLastBlock: false, trainBackbone: false, warmupEpochs: 0 })).toEqual(["head_dense/kernel@0.1", "head_dense/bias@0.1"]);
  n.model.dispose();
});

test("orderedWeights keeps its order while layers are frozen (model.weights does not)", () => {
  const n = net();
  const before = orderedWeights(n.model).map((w) => w.originalName);
  const modelOrder = n.model.weights.map((w) => w.originalName);
  training(n, 1, { unfreezeLastBlock: false, trainBackbone: false, warmupEpochs: 0 });
  expect(orderedWeights(n.model).map((w) => w.originalName)).toEqual(before);
  expect(n.model.weights.map((w) => w.originalName)).not.toEqual(modelOrder);
  unfreezeAll(n);
  expect(n.model.weights.map((w) => w.originalName)).toEqual(modelOrder);
  n.model.dispose();
});
