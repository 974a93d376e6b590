import type { DataSet } from "dicom-parser";

/** One item of the VOI LUT Sequence (0028,3010): a LUT with its descriptor (PS3.3 C.11.2.1.1). */
export interface VoiLut {
  /** Number of entries (a descriptor value of 0 means 65536). */
  entries: number;
  /** Stored value that maps to the first entry. */
  firstMapped: number;
  /** Bits per entry. */
  bits: number;
  data: Uint16Array;
  explanation?: string;
}

/**
 * The header fields the seed reads (docs/seed-pipeline.md#header-fields: windows, VOILUTFunction,
 * PhotometricInterpretation, transfer syntax), the ones it ignores but a user may switch on
 * (rescale, VOI LUT sequence) or want to log (PresentationLUTShape), and the identifiers a
 * stage needs to name its outputs.
 */
export interface DicomHeader {
  transferSyntaxUid: string;
  sopInstanceUid?: string;
  patientId?: string;
  modality?: string;
  manufacturer?: string;
  /** ImageLaterality (0020,0062), else Laterality (0020,0060). */
  laterality?: string;
  viewPosition?: string;
  photometricInterpretation: string;
  /** The seed inverts exactly when PhotometricInterpretation is MONOCHROME1. */
  invert: boolean;
  /** Every value of WindowCenter (0028,1050); empty when either window tag is missing or unreadable. */
  windowCenters: number[];
  /** Every value of WindowWidth (0028,1051); empty when either window tag is missing or unreadable. */
  windowWidths: number[];
  /** upper(VOILUTFunction), "LINEAR" when absent, as the seed reads it (an empty value stays ""). */
  voiLutFunction: string;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  voiLuts: VoiLut[];
  presentationLutShape?: string;
}

function text(ds: DataSet, tag: string): string | undefined {
  const value = ds.string(tag);
  return value === undefined ? undefined : value.trim();
}

function decimals(ds: DataSet, tag: string): number[] | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const raw = ds.string(tag);
  if (raw === undefined) return undefined;
  const values = raw.split("\\").map((v) => v.trim());
  if (values.some((v) => v === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v))) return undefined;
  return values.map(Number);
}

export function readHeader(ds: DataSet): DicomHeader {
  const photometricInterpretation = (text(ds, "x00280004") ?? "").toUpperCase();
  const centers = decimals(ds, "x00281050");
  const widths = decimals(ds, "x00281051");
  const hasWindows = centers !== undefined && widths !== undefined;
  const voiFunctionElement = ds.elements.x00281056;
  const header: DicomHeader = {
    transferSyntaxUid: text(ds, "x00020010") ?? "",
    photometricInterpretation,
    invert: photometricInterpretation === "MONOCHROME1",
    windowCenters: hasWindows ? centers : [],
    windowWidths: hasWindows ? widths : [],
    voiLutFunction: voiFunctionElement ? (text(ds, "x00281056") ?? "").toUpperCase() : "LINEAR",
    voiLuts: readVoiLuts(ds),
  };
  const optional: [keyof DicomHeader, string][] = [
    ["sopInstanceUid", "x00080018"],
    ["patientId", "x00100020"],
    ["modality", "x00080060"],
    ["manufacturer", "x00080070"],
    ["viewPosition", "x00185101"],
    ["presentationLutShape", "x20500020"],
  ];
  for (const [key, tag] of optional) {
    const value = text(ds, tag);
    if (value !== undefined && value !== "") (header as unknown as Record<string, unknown>)[key] = value;
  }
  const laterality = text(ds, "x00200062") || text(ds, "x00200060");
  if (laterality) header.laterality = laterality;
  const slope = decimals(ds, "x00281053");
  const intercept = decimals(ds, "x00281052");
  if (slope?.[0] !== undefined) header.rescaleSlope = slope[0];
  if (intercept?.[0] !== undefined) header.rescaleIntercept = intercept[0];
  return header;
}

function readVoiLuts(ds: DataSet): VoiLut[] {
  const items = ds.elements.x00283010?.items ?? [];
  const luts: VoiLut[] = [];
  for (const item of items) {
    const itemSet = item.dataSet;
    const descriptor = itemSet?.elements.x00283002;
    const data = itemSet?.elements.x00283006;
    if (!itemSet || !descriptor || !data) continue;
    const entries = itemSet.uint16("x00283002", 0) ?? 0;
    // The first mapped value is US or SS depending on the pixel representation; read it as written.
    const firstRaw = itemSet.uint16("x00283002", 1) ?? 0;
    const bits = itemSet.uint16("x00283002", 2) ?? 16;
    const count = entries === 0 ? 65536 : entries;
    const lut = new Uint16Array(count);
    const bytes = itemSet.byteArray;
    const wordData = data.length >= count * 2;
    for (let i = 0; i < count; i++) {
      lut[i] = wordData
        ? itemSet.byteArrayParser.readUint16(bytes, data.dataOffset + 2 * i)
        : ((bytes[data.dataOffset + i] as number | undefined) ?? 0);
    }
    const explanation = itemSet.string("x00283003");
    luts.push({
      entries: count,
      firstMapped: firstRaw,
      bits,
      data: lut,
      ...(explanation ? { explanation: explanation.trim() } : {}),
    });
  }
  return luts;
}
