"""pydicom + numpy peer of bench/dicom.ts: the same read (frame 0) → rescale → MONOCHROME1 inversion →
0.5–99.5 % percentile window → clip → [0, 1] → area resize of the short side → centre crop.

  dicom_pydicom.py time SIZE FILE...   print {"images": n, "seconds": s} for the loop
  dicom_pydicom.py dump SIZE FILE...   print {file: [SIZE*SIZE values]} (used by the oracle tests)

Run with OPENBLAS_NUM_THREADS=1 (bench/dicom.ts does) for a single-core figure.
"""
import json
import sys
import time

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


def axis_weights(src, dst, start, n):
    """Rows = outputs start..start+n-1 of a src → dst resample: box filter with fractional
    coverage when shrinking, linear interpolation between pixel centres when enlarging."""
    ratio = src / dst
    k = np.arange(start, start + n, dtype=np.float64)[:, None]
    i = np.arange(src, dtype=np.float64)[None, :]
    if ratio >= 1:
        x0, x1 = k * ratio, np.minimum((k + 1) * ratio, src)
        return (np.clip(np.minimum(x1, i + 1) - np.maximum(x0, i), 0, None) / ratio).astype(np.float32)
    x = np.clip((k + 0.5) * ratio - 0.5, 0, src - 1)
    return np.clip(1 - np.abs(x - i), 0, None).astype(np.float32)


def preprocess(path, size):
    ds = pydicom.dcmread(path)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    arr = apply_modality_lut(ds.pixel_array[0] if frames > 1 else ds.pixel_array, ds).astype(np.float32)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        arr = arr.max() - arr
    lo, hi = np.percentile(arr, [0.5, 99.5])
    if hi <= lo:
        lo, hi = arr.min(), arr.max()
    arr = (np.clip(arr, lo, hi) - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    h, w = arr.shape
    short = min(w, h)
    out_w = size if w == short else int(round(w * size / short))
    out_h = size if h == short else int(round(h * size / short))
    wy = axis_weights(h, out_h, (out_h - size) // 2, size)
    wx = axis_weights(w, out_w, (out_w - size) // 2, size)
    return wy @ arr.astype(np.float32) @ wx.T


def main(mode, size, paths):
    size = int(size)
    if mode == "dump":
        json.dump({p: preprocess(p, size).ravel().tolist() for p in paths}, sys.stdout)
        return
    start = time.perf_counter()
    for p in paths:
        preprocess(p, size)
    json.dump({"images": len(paths), "seconds": time.perf_counter() - start}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
