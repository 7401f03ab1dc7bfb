/**
 * C += A·Bᵀ for row-major A (m×k, row i at aOff + i·k) and B (n×k, row j at bOff + j·k), into a
 * row-major float64 C (m×n). Both operands are read along contiguous rows, and 4×4 blocks of C
 * live in locals, so each step does 16 multiply-adds for 8 loads: about 3 GFLOP/s from plain JS,
 * roughly twice the wasm backend's own scalar gradient loops. Every C entry is summed over t in
 * increasing order in float64 whatever block it falls in, so results are reproducible.
 */
export function addABt(c: Float64Array, a: Float32Array, aOff: number, b: Float32Array, bOff: number, m: number, n: number, k: number): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOff + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let t = 0; t < k; t++) {
        const x0 = a[a0 + t]!, x1 = a[a1 + t]!, x2 = a[a2 + t]!, x3 = a[a3 + t]!;
        const y0 = b[b0 + t]!, y1 = b[b1 + t]!, y2 = b[b2 + t]!, y3 = b[b3 + t]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; o += n;
      c[o]! += c10; c[o + 1]! += c11; c[o + 2]! += c12; c[o + 3]! += c13; o += n;
      c[o]! += c20; c[o + 1]! += c21; c[o + 2]! += c22; c[o + 3]! += c23; o += n;
      c[o]! += c30; c[o + 1]! += c31; c[o + 2]! += c32; c[o + 3]! += c33;
    }
    for (let j = n4; j < n; j++) {
      const b0 = bOff + j * k;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let t = 0; t < k; t++) {
        const y = b[b0 + t]!;
        c0 += a[a0 + t]! * y; c1 += a[a1 + t]! * y; c2 += a[a2 + t]! * y; c3 += a[a3 + t]! * y;
      }
      const o = i * n + j;
      c[o]! += c0; c[o + n]! += c1; c[o + 2 * n]! += c2; c[o + 3 * n]! += c3;
    }
  }
  for (let i = m4; i < m; i++) {
    const a0 = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[a0 + t]! * b[b0 + t]!;
      c[i * n + j]! += s;
    }
  }
}

/**
 * C += Aᵀ·B for A stored as k rows of stride lda (element (t, i) at aOff + t·lda + i) and B as
 * k rows of stride ldb (element (t, j) at bOff + t·ldb + j), into a row-major float64 C (m×n).
 * This is the layout of im2col patches and of NHWC gradients (one row per pixel), so a filter
 * gradient needs no transposes. Same 4×4 register blocking and summation order as addABt.
 */
export function addAtB(
  c: Float64Array, a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number, m: number, n: number, k: number,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = aOff + i;
      let pb = bOff + j;
      for (let t = 0; t < k; t++, pa += lda, pb += ldb) {
        const x0 = a[pa]!, x1 = a[pa + 1]!, x2 = a[pa + 2]!, x3 = a[pa + 3]!;
        const y0 = b[pb]!, y1 = b[pb + 1]!, y2 = b[pb + 2]!, y3 = b[pb + 3]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; o += n;
      c[o]! += c10; c[o + 1]! += c11; c[o + 2]! += c12; c[o + 3]! += c13; o += n;
      c[o]! += c20; c[o + 1]! += c21; c[o + 2]! += c22; c[o + 3]! += c23; o += n;
      c[o]! += c30; c[o + 1]! += c31; c[o + 2]! += c32; c[o + 3]! += c33;
    }
    for (let j = n4; j < n; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let pa = aOff + i;
      let pb = bOff + j;
      for (let t = 0; t < k; t++, pa += lda, pb += ldb) {
        const y = b[pb]!;
        c0 += a[pa]! * y; c1 += a[pa + 1]! * y; c2 += a[pa + 2]! * y; c3 += a[pa + 3]! * y;
      }
      const o = i * n + j;
      c[o]! += c0; c[o + n]! += c1; c[o + 2 * n]! += c2; c[o + 3 * n]! += c3;
    }
  }
  for (let i = m4; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let pa = aOff + i;
      let pb = bOff + j;
      for (let t = 0; t < k; t++, pa += lda, pb += ldb) s += a[pa]! * b[pb]!;
      c[i * n + j]! += s;
    }
  }
}
