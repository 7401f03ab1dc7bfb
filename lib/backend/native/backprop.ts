import type * as tfjs from "@tensorflow/tfjs";
import type { Tensor } from "@tensorflow/tfjs";

type TF = typeof tfjs;
type Thunks = Record<string, () => Tensor>;

/** The parts of a tfjs tape node and of the engine this module uses (tfjs-core's engine.ts, not exported). */
interface TapeNode {
  saved?: Tensor[];
  gradient?: (dys: Tensor[]) => Thunks;
}
interface EngineInternals {
  backendName: string;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
  gradients(f: unknown, xs: unknown, dy?: Tensor, ...rest: unknown[]): unknown;
}

/** What one node's backward step left behind: its output gradients and saved tensors, and what its thunks returned. */
interface Spent {
  tensors: Tensor[];
  returned: Set<Tensor>;
}

/** The engine's own members while the early release is installed (restored by keepBackpropToEnd). */
let originals: { engine: EngineInternals; addTapeNode: EngineInternals["addTapeNode"]; gradients: EngineInternals["gradients"] } | null = null;

/**
 * Frees each node's output gradients (dy) and saved forward tensors as soon as backpropagation
 * has moved past it, instead of at the end of the backward pass, where tfjs frees them: the step
 * then never holds every activation and every activation gradient at once. tfjs walks the tape
 * backward one node at a time and asks for all of a node's input gradients before the next node,
 * so when node k's gradient is called, node k+1 (the one before it in the walk) is done: its dys
 * were only for it (a tensor has one producer) and its saved tensors are clones kept for it
 * alone. A tensor a thunk returned (a gradient passed through unchanged) and the caller's dy are
 * never freed here. First-order gradients on `backend` only; tfjs's end-of-pass disposal stays
 * (disposing twice is a no-op). After each backward pass on `backend`, the backend's `trimPool()`
 * runs (NativeBackend: drops the recycled buffers the step did not reuse). Idempotent.
 */
export function freeBackpropEarly(tf: TF, backend: string): void {
  if (originals !== null) return;
  const engine = tf.engine() as unknown as EngineInternals & { backend: { trimPool?: () => void } };
  const { addTapeNode, gradients } = engine;
  originals = { engine, addTapeNode, gradients };
  let previous: Spent | null = null;
  let callersDy: Tensor | undefined;
  engine.gradients = function (this: EngineInternals, f, xs, dy, ...rest) {
    previous = null;
    callersDy = dy;
    try {
      return gradients.call(this, f, xs, dy, ...rest);
    } finally {
      previous = null;
      callersDy = undefined;
      if (this.backendName === backend) engine.backend.trimPool?.();
    }
  };
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]): void {
    addTapeNode.apply(this, args);
    const node = this.state.activeTape?.at(-1);
    const gradient = node?.gradient;
    if (node === undefined || gradient === undefined || this.backendName !== backend) return;
    node.gradient = (dys: Tensor[]) => {
      if (engine.state.gradientDepth !== 0) return gradient(dys);
      if (previous !== null) release(previous);
      const thunks = gradient(dys);
      const spent: Spent = { tensors: [...dys.filter((d) => d != null && d !== callersDy), ...(node.saved ?? [])], returned: new Set() };
      previous = spent;
      return watchReturns(thunks, spent.returned);
    };
  };
}

/** Puts the engine's own addTapeNode and gradients back (tfjs frees at the end of each pass again). */
export function keepBackpropToEnd(): void {
  if (originals === null) return;
  originals.engine.addTapeNode = originals.addTapeNode;
  originals.engine.gradients = originals.gradients;
  originals = null;
}

/** Whether freeBackpropEarly is installed. */
export function backpropFreesEarly(): boolean {
  return originals !== null;
}

function watchReturns(thunks: Thunks, returned: Set<Tensor>): Thunks {
  const watched: Thunks = {};
  for (const [name, thunk] of Object.entries(thunks)) {
    watched[name] = () => {
      const result = thunk();
      returned.add(result);
      return result;
    };
  }
  return watched;
}

function release(spent: Spent): void {
  for (const t of spent.tensors) if (!spent.returned.has(t)) t.dispose();
}
