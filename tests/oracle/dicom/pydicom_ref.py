"""Reference side of the DICOM oracle tests (pydicom + numpy, independent of our decoder).

  pydicom_ref.py make OUTDIR   write the uncompressed test images and OUTDIR/cases.json
  pydicom_ref.py dump FILE...  print JSON: per file, pydicom's modality values (frame 0) and tags
"""
import json
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import apply_modality_lut
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

ROWS, COLS = 48, 64

# name, bits allocated, bits stored, signed, photometric, implicit VR, slope, intercept, frames
CASES = [
    ("u8_m2_explicit", 8, 8, 0, "MONOCHROME2", False, None, None, 1),
    ("u12_m2_explicit", 16, 12, 0, "MONOCHROME2", False, None, None, 1),
    ("s12_m1_explicit", 16, 12, 1, "MONOCHROME1", False, "1", "-1024", 1),
    ("u14_m1_implicit", 16, 14, 0, "MONOCHROME1", True, None, None, 1),
    ("u16_m2_implicit", 16, 16, 0, "MONOCHROME2", True, "0.5", "10", 1),
    ("s16_m2_explicit", 16, 16, 1, "MONOCHROME2", False, "2", "-3", 1),
    ("u12_m2_3frames", 16, 12, 0, "MONOCHROME2", False, None, None, 3),
]


def pattern(bits, signed, seed):
    """Smooth gradient (what compresses) plus noise and both extremes of the range."""
    rng = np.random.default_rng(seed)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    y, x = np.mgrid[0:ROWS, 0:COLS]
    base = lo + (hi - lo) * (x + y) / (ROWS + COLS - 2)
    values = np.clip(np.round(base + rng.normal(0, (hi - lo) / 50, (ROWS, COLS))), lo, hi).astype(np.int64)
    values[0, 0], values[0, 1], values[-1, -1] = lo, hi, (lo + hi) // 2
    return values


def make(outdir):
    cases = []
    for seed, (name, alloc, stored, signed, photometric, implicit, slope, intercept, frames) in enumerate(CASES):
        values = np.stack([pattern(stored, signed, seed * 10 + f) for f in range(frames)])
        dtype = {(8, 0): np.uint8, (16, 0): np.uint16, (16, 1): np.int16}[(alloc, signed)]
        meta = FileMetaDataset()
        # Digital mammography; multi-frame grayscale word secondary capture for several frames
        # (GDCM refuses a multi-frame mammogram).
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.2" if frames == 1 else "1.2.840.10008.5.1.4.1.1.7.3"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, implicit
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.Manufacturer = "MG", "OracleCo"
        ds.PatientID, ds.AccessionNumber = f"P{seed:03d}", f"{seed:06d}"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.ViewPosition, ds.ImageLaterality = ("CC", "L") if seed % 2 else ("MLO", "R")
        ds.Rows, ds.Columns = ROWS, COLS
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = alloc, stored, stored - 1, signed
        if slope is not None:
            ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        if seed % 3 == 0:
            ds.WindowCenter, ds.WindowWidth = [str(int(values.mean())), "7"], [str(int(values.std() * 4) + 2), "9"]
        ds.PixelData = values.astype(dtype).tobytes()
        path = f"{outdir}/{name}.dcm"
        ds.save_as(path, write_like_original=False)
        cases.append({"name": name, "path": path, "bitsStored": stored, "signed": signed, "frames": frames})
    with open(f"{outdir}/cases.json", "w") as f:
        json.dump(cases, f)


def dump(paths):
    out = {}
    for path in paths:
        ds = pydicom.dcmread(path)
        frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
        first = ds.pixel_array[0] if frames > 1 else ds.pixel_array
        pixels = apply_modality_lut(first, ds).astype(np.float64)
        out[path] = {
            "transferSyntaxUid": str(ds.file_meta.TransferSyntaxUID),
            "rows": int(ds.Rows),
            "columns": int(ds.Columns),
            "photometricInterpretation": str(ds.PhotometricInterpretation),
            "patientId": str(ds.PatientID),
            "accessionNumber": str(ds.AccessionNumber),
            "viewPosition": str(ds.ViewPosition),
            "imageLaterality": str(ds.ImageLaterality),
            "pixels": pixels.ravel().tolist(),
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    {"make": lambda args: make(args[0]), "dump": dump}[sys.argv[1]](sys.argv[2:])
