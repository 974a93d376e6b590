/** How the pixel data of a transfer syntax is stored, which decides the decoder. */
export type PixelEncoding =
  | "native"
  | "deflate"
  | "rle"
  | "jpeg-baseline"
  | "jpeg-extended"
  | "jpeg-lossless"
  | "jpeg-ls"
  | "jpeg2000"
  | "htj2k";

export interface TransferSyntax {
  uid: string;
  name: string;
  encoding: PixelEncoding;
  littleEndian: boolean;
  encapsulated: boolean;
}

const SYNTAXES: readonly TransferSyntax[] = [
  ["1.2.840.10008.1.2", "Implicit VR Little Endian", "native"],
  ["1.2.840.10008.1.2.1", "Explicit VR Little Endian", "native"],
  ["1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", "deflate"],
  ["1.2.840.10008.1.2.2", "Explicit VR Big Endian", "native"],
  ["1.2.840.10008.1.2.5", "RLE Lossless", "rle"],
  ["1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "jpeg-baseline"],
  ["1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", "jpeg-extended"],
  ["1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", "jpeg-lossless"],
  [
    "1.2.840.10008.1.2.4.70",
    "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)",
    "jpeg-lossless",
  ],
  ["1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", "jpeg-ls"],
  ["1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", "jpeg-ls"],
  ["1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", "jpeg2000"],
  ["1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", "jpeg2000"],
  ["1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", "htj2k"],
  ["1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", "htj2k"],
  ["1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", "htj2k"],
].map(([uid, name, encoding]) => ({
  uid: uid as string,
  name: name as string,
  encoding: encoding as PixelEncoding,
  littleEndian: uid !== "1.2.840.10008.1.2.2",
  encapsulated: !["native", "deflate"].includes(encoding as string),
}));

const BY_UID = new Map(SYNTAXES.map((s) => [s.uid, s]));

/** The transfer syntaxes this module decodes, in UID order. */
export const SUPPORTED_TRANSFER_SYNTAXES: readonly TransferSyntax[] = SYNTAXES;

export function transferSyntaxOf(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid);
}

/** The two syntaxes the seed sent through DALI at test time (docs/seed-pipeline.md#transfer-syntaxes), where windows travel as float16. */
export const DALI_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  "1.2.840.10008.1.2.4.90",
  "1.2.840.10008.1.2.4.70",
]);
