import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../rng/index.ts";

/** Constructor arguments of SeededDropout. */
export interface SeededDropoutArgs {
  /** Fraction of units dropped while training, 0 ≤ rate < 1. */
  rate: number;
  /** Root seed of the run's `dropout` source (`--seed-dropout`, else `--seed`); masks come from deriveSeed(rootSeed, "dropout/step/<n>/<layer name>"). */
  rootSeed: number;
  name?: string;
}

/**
 * Dropout whose mask changes every training step and is still reproducible. tfjs's Dropout with a
 * fixed `seed` draws the same mask at every step (and without one it uses Math.random), so this
 * layer draws step n's mask from deriveSeed(rootSeed, "dropout/step/<n>/<layer name>").
 * The training loop calls `setDropoutStep(model, n)` before step n; without it, each training
 * call advances the step by one, so masks still differ from call to call.
 * At inference (training false) it is the identity.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  readonly rootSeed: number;
  private step = 0;

  constructor(args: SeededDropoutArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.rootSeed = args.rootSeed;
    this.supportsMasking = true;
  }

  /** Makes the next training call use step `step`'s mask. */
  setStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`SeededDropout.setStep: step must be a non-negative integer, got ${step}`);
    this.step = step;
  }

  /** The seed of step `step`'s mask (never 0). */
  seedForStep(step: number): number {
    return deriveSeed(this.rootSeed, `dropout/step/${step}/${this.name}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate === 0) return input;
    return tf.dropout(input, this.rate, undefined, this.nextSeed());
  }

  /** The seed of this training call's mask; advances the step. */
  protected nextSeed(): number {
    return this.seedForStep(this.step++);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, rootSeed: this.rootSeed };
  }
}
tf.serialization.registerClass(SeededDropout);

/** Sets every SeededDropout layer of `model` to step `step` (call before each training step). */
export function setDropoutStep(model: tf.LayersModel, step: number): void {
  for (const layer of model.layers) if (layer instanceof SeededDropout) layer.setStep(step);
}
