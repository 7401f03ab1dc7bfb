import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { onHost } from "../backend/index.ts";
import { TaskError } from "../errors/index.ts";
import { STREAM_SCHEME } from "../rng/index.ts";
import type { AdamW } from "./adamw.ts";
import { readCheckpointFile, writeCheckpointFile } from "./checkpoint-file.ts";
import { orderedWeights, type LoopState } from "./loop.ts";

type TF = typeof tfjs;

/** The checkpoint of a run directory. */
export const checkpointPath = (runDir: string) => join(runDir, "checkpoint", "last.ckpt");

/** What identifies the run a checkpoint belongs to. */
export interface CheckpointIdentity {
  /** Hash of every param that must not change on resume (see RESUME_FREE_PARAMS). */
  configHash: string;
  /** The backend that computed the weights; resuming on another would not reproduce the run. */
  backend: string;
  /** The params behind `configHash`, to name the one that differs. */
  params: Record<string, unknown>;
  dataFingerprint: string;
  splitHash: string;
}

/** A checkpoint read back, ready to restore. */
export interface Checkpoint {
  identity: CheckpointIdentity;
  state: LoopState;
  weights: { shape: number[]; values: Float32Array }[];
  slots: { key: number; step: number; m: Float32Array; v: Float32Array }[];
}

/**
 * Writes the state after an epoch: every model weight in `orderedWeights` order (batch-norm moving statistics included),
 * every AdamW slot with its step count, and the loop state (epoch, history, best epoch, schedule
 * and early-stopping counters). The random streams need no saved position: each is named by epoch
 * or global step, and the step count follows from the epoch. One file, replaced atomically.
 */
export async function saveCheckpoint(path: string, model: tfjs.LayersModel, optimizer: AdamW, state: LoopState, identity: CheckpointIdentity): Promise<void> {
  // on a GPU the values are read asynchronously first (the reads below are then from the host)
  await onHost([...orderedWeights(model).map((w) => w.read()), ...optimizer.tensors()]);
  const weights = orderedWeights(model).map((w) => ({ shape: w.shape as number[], values: new Float32Array(w.read().dataSync() as Float32Array) }));
  const slots = optimizer.exportState();
  writeCheckpointFile(
    path,
    {
      format: "mammo-density-checkpoint/1",
      identity,
      rng: { scheme: STREAM_SCHEME, next_epoch: state.epoch + 1, note: "streams are named by epoch and global step; no position to save" },
      state,
      weights: weights.map((w) => w.shape),
      slots: slots.map((s) => ({ key: s.key, step: s.step })),
    },
    [...weights.map((w) => w.values), ...slots.flatMap((s) => [s.m, s.v])],
  );
}

export function readCheckpoint(path: string): Checkpoint {
  const { header, blobs } = readCheckpointFile(path);
  const shapes = header.weights as number[][];
  const slotMeta = header.slots as { key: number; step: number }[];
  if (header.format !== "mammo-density-checkpoint/1" || !Array.isArray(shapes) || !Array.isArray(slotMeta) || blobs.length !== shapes.length + 2 * slotMeta.length) {
    throw new TaskError("bad_checkpoint", `damaged checkpoint ${path}: header does not match its blobs`);
  }
  return {
    identity: header.identity as CheckpointIdentity,
    state: header.state as LoopState,
    weights: shapes.map((shape, i) => ({ shape, values: blobs[i] as Float32Array })),
    slots: slotMeta.map((s, j) => ({ ...s, m: blobs[shapes.length + 2 * j] as Float32Array, v: blobs[shapes.length + 2 * j + 1] as Float32Array })),
  };
}

/** Puts the checkpoint's weights into `model` and its slots into `optimizer`; shapes must match. */
export function restoreCheckpoint(tf: TF, path: string, checkpoint: Checkpoint, model: tfjs.LayersModel, optimizer: AdamW): void {
  const weights = orderedWeights(model);
  if (weights.length !== checkpoint.weights.length) {
    throw new TaskError("checkpoint_mismatch", `${path}: ${checkpoint.weights.length} weights, the model has ${weights.length}`, { exitCode: 2 });
  }
  weights.forEach((w, i) => {
    const saved = checkpoint.weights[i] as Checkpoint["weights"][number];
    if (saved.shape.join("x") !== w.shape.join("x")) {
      throw new TaskError("checkpoint_mismatch", `${path}: weight ${i} (${w.originalName}) has shape ${saved.shape.join("x")}, the model ${w.shape.join("x")}`, { exitCode: 2 });
    }
    const value = tf.tensor(saved.values, saved.shape, "float32");
    w.write(value);
    value.dispose();
  });
  optimizer.importState(checkpoint.slots, (key) => weights[key]?.shape as number[]);
}

export const hasCheckpoint = (runDir: string) => existsSync(checkpointPath(runDir));
