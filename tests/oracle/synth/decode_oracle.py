"""Decode DICOM files with independent implementations and compare with the expected stored values.

stdin: JSON list of {"dcm": path, "raw": path of the expected little-endian samples,
"dtype": "uint8"|"uint16"|"int16"}. stdout: JSON list of
{"dcm", "transfer_syntax", "tags": {...}, "decoders": {name: "ok" | reason}}.

Decoders: pydicom's own (native and RLE), dcmtk (dcmdrle / dcmdjpls, then pydicom reads the
native result), GDCM (gdcmconv --raw, then pydicom). Stored values are compared as DICOM defines
them: the low BitsStored bits, two's complement when PixelRepresentation is 1 (decoders differ in
whether they sign-extend the unused high bits).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydicom

NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}
RLE = "1.2.840.10008.1.2.5"
JPEG_LS = "1.2.840.10008.1.2.4.80"


def stored_values(arr, bits, signed):
    v = arr.astype(np.int64) & ((1 << bits) - 1)
    if signed:
        v = np.where(v >= (1 << (bits - 1)), v - (1 << bits), v)
    return v.reshape(-1)


def compare(path, expected, bits, signed):
    ds = pydicom.dcmread(path)
    got = stored_values(ds.pixel_array, bits, signed)
    if got.shape != expected.shape:
        return "shape %s != %s" % (got.shape, expected.shape)
    diff = np.nonzero(got != expected)[0]
    if diff.size:
        i = int(diff[0])
        return "%d pixels differ, first at %d: %d != %d" % (diff.size, i, got[i], expected[i])
    return "ok"


def run_tool(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "%s exited %d: %s" % (cmd[0], r.returncode, (r.stderr or r.stdout).strip()[:200])
    return None


def main():
    cases = json.load(sys.stdin)
    out = []
    tmp = tempfile.mkdtemp()
    for k, case in enumerate(cases):
        ds = pydicom.dcmread(case["dcm"])
        ts = str(ds.file_meta.TransferSyntaxUID)
        bits = int(ds.BitsStored)
        signed = int(ds.PixelRepresentation) == 1
        expected = stored_values(np.fromfile(case["raw"], dtype=case["dtype"]), bits, signed)
        decoders = {}
        if ts in NATIVE or ts == RLE:
            try:
                decoders["pydicom"] = compare(case["dcm"], expected, bits, signed)
            except Exception as e:  # noqa: BLE001 - report, do not crash the batch
                decoders["pydicom"] = "error: %s" % e
        tool = {RLE: "dcmdrle", JPEG_LS: "dcmdjpls"}.get(ts)
        if tool:
            dst = os.path.join(tmp, "%d-dcmtk.dcm" % k)
            decoders[tool] = run_tool([tool, case["dcm"], dst]) or compare(dst, expected, bits, signed)
        dst = os.path.join(tmp, "%d-gdcm.dcm" % k)
        decoders["gdcmconv"] = run_tool(["gdcmconv", "--raw", case["dcm"], dst]) or compare(dst, expected, bits, signed)
        meta = ds.file_meta
        tags = {
            "MediaStorageSOPClassUID": str(meta.MediaStorageSOPClassUID),
            "MediaStorageSOPInstanceUID": str(meta.MediaStorageSOPInstanceUID),
            "FileMetaInformationGroupLength": int(meta.FileMetaInformationGroupLength),
            "SOPClassUID": str(ds.SOPClassUID),
            "SOPInstanceUID": str(ds.SOPInstanceUID),
            "Modality": str(ds.Modality),
            "PresentationIntentType": str(ds.PresentationIntentType),
            "PatientID": str(ds.PatientID),
            "AccessionNumber": str(ds.AccessionNumber),
            "StudyInstanceUID": str(ds.StudyInstanceUID),
            "ViewPosition": str(ds.ViewPosition),
            "ImageLaterality": str(ds.ImageLaterality),
            "Manufacturer": str(ds.Manufacturer),
            "PhotometricInterpretation": str(ds.PhotometricInterpretation),
            "Rows": int(ds.Rows),
            "Columns": int(ds.Columns),
            "SamplesPerPixel": int(ds.SamplesPerPixel),
            "BitsAllocated": int(ds.BitsAllocated),
            "BitsStored": bits,
            "HighBit": int(ds.HighBit),
            "PixelRepresentation": int(ds.PixelRepresentation),
            "RescaleSlope": float(ds.RescaleSlope),
            "RescaleIntercept": float(ds.RescaleIntercept),
            "WindowCenter": float(ds.WindowCenter) if "WindowCenter" in ds else None,
            "WindowWidth": float(ds.WindowWidth) if "WindowWidth" in ds else None,
        }
        out.append({"dcm": case["dcm"], "transfer_syntax": ts, "tags": tags, "decoders": decoders})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
