/**
 * Recycles the output buffers of the native kernels. A fresh 16 MB Float32Array costs Bun about
 * as much as a whole element-wise kernel (zeroing and page faults), and a training step frees
 * and reallocates the same sizes every step. A buffer is reused only once no tensor stores it or
 * a view of it (tfjs's cpu Slice returns subarrays): every tensor storing it is counted. Buffers
 * given out by the backend's readSync are copies, so `dataSync()` results never change.
 *
 * The pool keeps at most `maxFreeBytes` of free buffers, and `trim()` (the backend calls it after
 * each backward pass) drops those not reused since the previous trim: a training step reuses
 * its own buffers every step, while another model's (or an earlier image size's) are dropped
 * after one step instead of being held. A dropped buffer is handed back to the allocator at
 * once (its ArrayBuffer is detached with transfer(0)) instead of waiting for a garbage
 * collection: a training step frees gigabytes, which otherwise stay resident until the
 * collector runs and push the step's peak memory far above what it uses.
 */
export class BufferPool {
  /** Buffers made here. */
  private readonly ours = new WeakSet<ArrayBufferLike>();
  /** Tensors currently storing each of our buffers (or a view of it). */
  private readonly uses = new Map<ArrayBufferLike, number>();
  private readonly free = new Map<number, Float32Array[]>();
  /** The trim period in which each free buffer was released. */
  private readonly releasedIn = new Map<Float32Array, number>();
  private period = 0;
  private freeBytes = 0;

  constructor(private readonly maxFreeBytes = 16 * 2 ** 30) {}

  /** A buffer of `length` floats, recycled or new; its contents are undefined when recycled. */
  take(length: number): Float32Array {
    const recycled = this.free.get(length)?.pop();
    if (recycled !== undefined) {
      this.freeBytes -= recycled.byteLength;
      this.releasedIn.delete(recycled);
      return recycled;
    }
    const fresh = new Float32Array(length);
    this.ours.add(fresh.buffer);
    return fresh;
  }

  /** Whether `values` is one of our buffers or a view into one. */
  owns(values: unknown): values is Float32Array {
    return values instanceof Float32Array && this.ours.has(values.buffer);
  }

  /** A tensor now stores `values`. */
  stored(values: unknown): void {
    if (this.owns(values)) this.uses.set(values.buffer, (this.uses.get(values.buffer) ?? 0) + 1);
  }

  /** A tensor storing `values` was released; the buffer is kept for reuse once no tensor stores it. */
  released(values: unknown): void {
    if (!this.owns(values)) return;
    const buffer = values.buffer;
    const left = (this.uses.get(buffer) ?? 1) - 1;
    if (left > 0) {
      this.uses.set(buffer, left);
      return;
    }
    this.uses.delete(buffer);
    if (this.freeBytes + buffer.byteLength > this.maxFreeBytes) {
      detach(buffer);
      return;
    }
    const whole = values.byteOffset === 0 && values.byteLength === buffer.byteLength ? values : new Float32Array(buffer);
    const list = this.free.get(whole.length) ?? [];
    list.push(whole);
    this.free.set(whole.length, list);
    this.releasedIn.set(whole, this.period);
    this.freeBytes += whole.byteLength;
  }

  /** Drops the free buffers released before the previous trim and not reused since; starts a new period. */
  trim(): void {
    for (const [length, list] of this.free) {
      const kept = list.filter((b) => this.releasedIn.get(b) === this.period);
      for (const b of list) if (this.releasedIn.get(b) !== this.period) this.drop(b);
      if (kept.length > 0) this.free.set(length, kept);
      else this.free.delete(length);
    }
    this.period++;
  }

  private drop(b: Float32Array): void {
    this.freeBytes -= b.byteLength;
    this.releasedIn.delete(b);
    detach(b.buffer);
  }

  /** Hands every free buffer back to the allocator. */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) this.drop(b);
    this.free.clear();
  }

  /** Bytes of free buffers held for reuse. */
  heldBytes(): number {
    return this.freeBytes;
  }
}

/** Frees a buffer's memory now (no view of it is in use: the pool counted them); its views read as empty. */
function detach(buffer: ArrayBufferLike): void {
  (buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
}
