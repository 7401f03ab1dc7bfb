/**
 * DICOM RLE Lossless (PS3.5 Annex G): the frame is split into byte planes (most significant
 * first), each plane is one segment, each row of a segment is PackBits-encoded on its own, and
 * a 64-byte header holds the segment count and up to 15 segment offsets.
 */

/** PackBits of one row into `out` at `pos`; returns the new position. */
function packRow(row: Uint8Array, out: Uint8Array, pos: number): number {
  const n = row.length;
  let i = 0;
  while (i < n) {
    let run = 1;
    while (i + run < n && run < 128 && row[i + run] === row[i]) run++;
    if (run >= 2) {
      out[pos++] = 257 - run; // header −(run − 1) as a byte
      out[pos++] = row[i] as number;
      i += run;
      continue;
    }
    // Literal run: stop before a run of three equal bytes (cheaper as a replicate run) or at 128 bytes.
    const start = i;
    while (i < n && i - start < 128) {
      if (i + 2 < n && row[i] === row[i + 1] && row[i] === row[i + 2]) break;
      i++;
    }
    out[pos++] = i - start - 1;
    out.set(row.subarray(start, i), pos);
    pos += i - start;
  }
  return pos;
}

/** PackBits of one byte plane, row by row, padded to even length. */
function encodeSegment(plane: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(plane.length + height * Math.ceil(width / 128) + 1);
  let pos = 0;
  for (let y = 0; y < height; y++) pos = packRow(plane.subarray(y * width, (y + 1) * width), out, pos);
  if (pos % 2 === 1) out[pos++] = 0;
  return out.subarray(0, pos);
}

/**
 * One RLE frame from little-endian samples of `bytesPerSample` bytes each (raw stored words,
 * two's complement for signed data).
 */
export function encodeRle(samples: Uint8Array, width: number, height: number, bytesPerSample: 1 | 2): Uint8Array {
  const n = width * height;
  const segments: Uint8Array[] = [];
  for (let b = bytesPerSample - 1; b >= 0; b--) {
    const plane = new Uint8Array(n);
    for (let i = 0; i < n; i++) plane[i] = samples[i * bytesPerSample + b] as number;
    segments.push(encodeSegment(plane, width, height));
  }
  const total = 64 + segments.reduce((s, seg) => s + seg.length, 0);
  const out = new Uint8Array(total);
  const header = new DataView(out.buffer);
  header.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((seg, k) => {
    header.setUint32(4 + 4 * k, offset, true);
    out.set(seg, offset);
    offset += seg.length;
  });
  return out;
}
