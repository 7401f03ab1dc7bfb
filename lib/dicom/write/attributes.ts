import { MG_FOR_PRESENTATION_SOP_CLASS, type DicomWriteSpec } from "./spec.ts";
import { ds, intString, sequence, ss, tag, text, us, type DataElement } from "./elements.ts";

/** A code sequence item (SNOMED CT, the scheme current DICOM uses for mammography views). */
function code(value: string, meaning: string): DataElement[] {
  return [text(tag(0x0008, 0x0100), "SH", value), text(tag(0x0008, 0x0102), "SH", "SCT"), text(tag(0x0008, 0x0104), "LO", meaning)];
}

/** View Code Sequence entries (PS3.16 CID 4014) for the view positions the synthetic cohort uses. */
const VIEW_CODES: Readonly<Record<string, [string, string]>> = {
  CC: ["399162004", "cranio-caudal"],
  MLO: ["399368009", "medio-lateral oblique"],
  ML: ["399260004", "medio-lateral"],
  LM: ["399352003", "latero-medial"],
  XCCL: ["399192003", "cranio-caudal exaggerated laterally"],
  XCCM: ["399101009", "cranio-caudal exaggerated medially"],
};

/**
 * Patient Orientation (row direction \ column direction) in the usual mammography layout: the
 * chest wall on the image's left for a left breast (rows run anterior), on the right for a right
 * breast (rows run posterior); CC columns run towards the other breast, oblique ones also footward.
 */
function defaultOrientation(laterality: string, view: string): string {
  const left = laterality === "L";
  const row = left ? "A" : "P";
  const side = left ? "R" : "L";
  if (view === "MLO") return `${row}\\F${side}`;
  if (view === "ML" || view === "LM") return `${row}\\F`;
  return `${row}\\${side}`;
}

/** The data set of one For-Presentation digital mammogram (everything but the pixel data). */
export function imageAttributes(spec: DicomWriteSpec): DataElement[] {
  const t = spec.tags;
  const bitsAllocated = spec.bitsStored === 8 ? 8 : 16;
  const mono1 = spec.photometric === "MONOCHROME1";
  const viewCode = VIEW_CODES[t.viewPosition];
  const spacing = t.pixelSpacingMm ?? 0.1;
  const elements: DataElement[] = [
    text(tag(0x0008, 0x0008), "CS", "ORIGINAL\\PRIMARY"),
    text(tag(0x0008, 0x0016), "UI", MG_FOR_PRESENTATION_SOP_CLASS),
    text(tag(0x0008, 0x0018), "UI", t.sopInstanceUid),
    text(tag(0x0008, 0x0020), "DA", t.studyDate ?? ""),
    text(tag(0x0008, 0x0023), "DA", t.studyDate ?? ""),
    text(tag(0x0008, 0x0030), "TM", t.studyTime ?? ""),
    text(tag(0x0008, 0x0033), "TM", t.studyTime ?? ""),
    text(tag(0x0008, 0x0050), "SH", t.accessionNumber),
    text(tag(0x0008, 0x0060), "CS", "MG"),
    text(tag(0x0008, 0x0068), "CS", "FOR PRESENTATION"),
    text(tag(0x0008, 0x0070), "LO", t.manufacturer),
    text(tag(0x0008, 0x0090), "PN", ""),
    sequence(tag(0x0008, 0x2218), [code("76752008", "Breast")]),
    text(tag(0x0010, 0x0010), "PN", t.patientName ?? ""),
    text(tag(0x0010, 0x0020), "LO", t.patientId),
    text(tag(0x0010, 0x0030), "DA", ""),
    text(tag(0x0010, 0x0040), "CS", "F"),
    text(tag(0x0018, 0x0015), "CS", "BREAST"),
    ds(tag(0x0018, 0x1164), spacing, spacing),
    text(tag(0x0018, 0x1508), "CS", "MAMMOGRAPHIC"),
    text(tag(0x0018, 0x5101), "CS", t.viewPosition),
    text(tag(0x0018, 0x7004), "CS", "DIRECT"),
    text(tag(0x0020, 0x000d), "UI", t.studyInstanceUid),
    text(tag(0x0020, 0x000e), "UI", t.seriesInstanceUid),
    text(tag(0x0020, 0x0010), "SH", t.studyId ?? ""),
    intString(tag(0x0020, 0x0011), t.seriesNumber ?? 1),
    intString(tag(0x0020, 0x0013), t.instanceNumber ?? 1),
    text(tag(0x0020, 0x0020), "CS", t.patientOrientation ?? defaultOrientation(t.imageLaterality, t.viewPosition)),
    text(tag(0x0020, 0x0062), "CS", t.imageLaterality),
    us(tag(0x0028, 0x0002), 1),
    text(tag(0x0028, 0x0004), "CS", spec.photometric),
    us(tag(0x0028, 0x0010), spec.height),
    us(tag(0x0028, 0x0011), spec.width),
    us(tag(0x0028, 0x0100), bitsAllocated),
    us(tag(0x0028, 0x0101), spec.bitsStored),
    us(tag(0x0028, 0x0102), spec.bitsStored - 1),
    us(tag(0x0028, 0x0103), spec.pixelRepresentation),
    text(tag(0x0028, 0x0301), "CS", "NO"),
    text(tag(0x0028, 0x1040), "CS", "LOG"),
    // +1: higher stored values mean more attenuation (brighter tissue), as MONOCHROME2 shows them.
    ss(tag(0x0028, 0x1041), mono1 ? -1 : 1),
    ds(tag(0x0028, 0x1052), spec.rescaleIntercept ?? 0),
    ds(tag(0x0028, 0x1053), spec.rescaleSlope ?? 1),
    text(tag(0x0028, 0x1054), "LO", "US"),
    text(tag(0x0028, 0x2110), "CS", "00"),
    text(tag(0x0040, 0x0318), "CS", "BREAST"),
    sequence(tag(0x0040, 0x0555), []),
    text(tag(0x2050, 0x0020), "CS", mono1 ? "INVERSE" : "IDENTITY"),
  ];
  if (spec.windowCenter !== undefined && spec.windowWidth !== undefined) {
    elements.push(ds(tag(0x0028, 0x1050), spec.windowCenter), ds(tag(0x0028, 0x1051), spec.windowWidth));
  }
  if (viewCode) elements.push(sequence(tag(0x0054, 0x0220), [[...code(viewCode[0], viewCode[1]), sequence(tag(0x0054, 0x0222), [])]]));
  return elements;
}
