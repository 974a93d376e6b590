/**
 * Builds small Part-10 files (Explicit VR Little Endian data sets) for decoder tests: header
 * fields with a fluent API, native or encapsulated pixel data. Only what the tests need.
 */
export class DicomBuilder {
  private readonly elements = new Map<number, { vr: string; value: Uint8Array }>();
  private syntax = "1.2.840.10008.1.2.1";
  private pixelData?: Uint8Array;
  private fragments?: { items: Uint8Array[]; offsets: number[] };

  constructor() {
    this.rows(4).columns(4).bits(16, 12).set(0x00280002, "US", 1).text(0x00280004, "CS", "MONOCHROME2");
    this.set(0x00280103, "US", 0);
  }

  transferSyntax(uid: string): this {
    this.syntax = uid;
    return this;
  }

  rows(n: number): this {
    return this.set(0x00280010, "US", n);
  }

  columns(n: number): this {
    return this.set(0x00280011, "US", n);
  }

  bits(allocated: number, stored: number): this {
    return this.set(0x00280100, "US", allocated)
      .set(0x00280101, "US", stored)
      .set(0x00280102, "US", stored - 1);
  }

  signed(): this {
    return this.set(0x00280103, "US", 1);
  }

  photometric(value: string): this {
    return this.text(0x00280004, "CS", value);
  }

  window(centers: number[] | string, widths: number[] | string, fn?: string): this {
    this.text(0x00281050, "DS", typeof centers === "string" ? centers : centers.join("\\"));
    this.text(0x00281051, "DS", typeof widths === "string" ? widths : widths.join("\\"));
    return fn === undefined ? this : this.text(0x00281056, "CS", fn);
  }

  frames(n: number): this {
    return this.text(0x00280008, "IS", String(n));
  }

  set(tag: number, vr: "US", value: number): this {
    const bytes = new Uint8Array(2);
    new DataView(bytes.buffer).setUint16(0, value, true);
    this.elements.set(tag, { vr, value: bytes });
    return this;
  }

  text(tag: number, vr: string, value: string): this {
    const padded = value.length % 2 === 1 ? `${value}${vr === "UI" ? "\0" : " "}` : value;
    this.elements.set(tag, { vr, value: new TextEncoder().encode(padded) });
    return this;
  }

  remove(tag: number): this {
    this.elements.delete(tag);
    return this;
  }

  /** Native pixel data: little-endian samples as given. */
  pixels(bytes: Uint8Array): this {
    this.pixelData = bytes;
    return this;
  }

  /** Native 16-bit pixel data from values. */
  pixels16(values: number[]): this {
    const bytes = new Uint8Array(values.length * 2);
    const view = new DataView(bytes.buffer);
    for (const [i, v] of values.entries()) view.setUint16(i * 2, v & 0xffff, true);
    return this.pixels(bytes);
  }

  /** Encapsulated pixel data: a basic offset table (may be empty) and the fragments, each padded to even length. */
  encapsulated(items: Uint8Array[], offsets: number[] = []): this {
    this.fragments = { items, offsets };
    return this;
  }

  build(): Uint8Array {
    const parts: Uint8Array[] = [new Uint8Array(128), new TextEncoder().encode("DICM")];
    const meta: Uint8Array[] = [
      element(0x00020001, "OB", new Uint8Array([0, 1])),
      element(0x00020002, "UI", ascii("1.2.840.10008.5.1.4.1.1.1.2", true)),
      element(0x00020003, "UI", ascii("1.2.3.4", true)),
      element(0x00020010, "UI", ascii(this.syntax, true)),
    ];
    const metaLength = meta.reduce((n, m) => n + m.length, 0);
    const groupLength = new Uint8Array(4);
    new DataView(groupLength.buffer).setUint32(0, metaLength, true);
    parts.push(element(0x00020000, "UL", groupLength), ...meta);
    for (const tag of [...this.elements.keys()].sort((a, b) => a - b)) {
      const e = this.elements.get(tag) as { vr: string; value: Uint8Array };
      parts.push(element(tag, e.vr, e.value));
    }
    if (this.fragments) parts.push(encapsulatedPixelData(this.fragments.items, this.fragments.offsets));
    else if (this.pixelData) parts.push(element(0x7fe00010, "OW", evenLength(this.pixelData)));
    return concat(parts);
  }
}

export function dicomFile(): DicomBuilder {
  return new DicomBuilder();
}

function ascii(text: string, uid = false): Uint8Array {
  const padded = text.length % 2 === 1 ? `${text}${uid ? "\0" : " "}` : text;
  return new TextEncoder().encode(padded);
}

function evenLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR"]);

function element(tag: number, vr: string, value: Uint8Array): Uint8Array {
  const long = LONG_VRS.has(vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, tag >>> 16, true);
  view.setUint16(2, tag & 0xffff, true);
  header[4] = vr.charCodeAt(0);
  header[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, value.length, true);
  else view.setUint16(6, value.length, true);
  return concat([header, value]);
}

function item(tag: number, value: Uint8Array): Uint8Array {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tag, true);
  view.setUint32(4, value.length, true);
  return concat([header, value]);
}

function encapsulatedPixelData(items: Uint8Array[], offsets: number[]): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  header[4] = "O".charCodeAt(0);
  header[5] = "B".charCodeAt(0);
  view.setUint32(8, 0xffffffff, true);
  const table = new Uint8Array(offsets.length * 4);
  for (const [i, o] of offsets.entries()) new DataView(table.buffer).setUint32(i * 4, o, true);
  const delimiter = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return concat([header, item(0xe000, table), ...items.map((f) => item(0xe000, evenLength(f))), delimiter]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
