/**
 * The luma plane of a colour JPEG as libjpeg produces it for a grayscale output
 * (`out_color_space = JCS_GRAYSCALE`): the decoded Y component itself, no colour conversion.
 * That is what the seed's `cv2.imread(path, cv2.IMREAD_ANYDEPTH)` returns for a colour CDD-CESM
 * JPEG (OpenCV asks libjpeg for gray when the flags lack IMREAD_COLOR). libvips, behind sharp,
 * has no such mode: it decodes to RGB and applies its own RGB→B-W formula, which differs.
 *
 * Scope: sequential Huffman JPEGs (SOF0/SOF1, 8-bit) whose first component is YCbCr luma at
 * full resolution, interleaved or not, with or without restart intervals — what encoders write
 * by default. Anything else (progressive, arithmetic, 12-bit, RGB- or CMYK-coded, luma below
 * full resolution, DNL heights) is answered with `undefined` for the caller to decode otherwise.
 *
 * The inverse DCT is the "accurate integer" (islow) one libjpeg and libjpeg-turbo use by
 * default (13-bit fixed-point Loeffler–Ligtenberg–Moschytz factorisation, two passes, 2 extra
 * bits between them, libjpeg's post-IDCT range-limit table), so the result is byte-identical;
 * `tests/unit/dataset/jpeg-luma.test.ts` compares it with OpenCV's read.
 */

/** Position in the natural (row-major) 8×8 order of the k-th zig-zag coefficient. */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);

interface Component {
  id: number;
  h: number;
  v: number;
  quantTable: number;
  /** Blocks across / down of this component (ceil of its scaled size / 8). */
  blocksWide: number;
  blocksHigh: number;
  dcPrediction: number;
}

interface HuffmanTable {
  /** Largest code of each length 1..16 (−1 when none), the index of its first symbol, and its first code. */
  maxCode: Int32Array;
  firstIndex: Int32Array;
  firstCode: Int32Array;
  symbols: Uint8Array;
}

class Unsupported extends Error {}

function buildHuffman(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(17).fill(-1);
  const firstIndex = new Int32Array(17);
  const firstCode = new Int32Array(17);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1] as number;
    firstIndex[length] = index;
    firstCode[length] = code;
    if (n > 0) maxCode[length] = code + n - 1;
    code = (code + n) << 1;
    index += n;
  }
  return { maxCode, firstIndex, firstCode, symbols };
}

/** Entropy-coded bits; past a marker it supplies zeros, as libjpeg does on truncated data. */
class BitReader {
  private buffer = 0;
  private bits = 0;
  atMarker = false;

  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  private nextByte(): number {
    if (this.atMarker || this.pos >= this.bytes.length) return 0;
    const b = this.bytes[this.pos] as number;
    if (b !== 0xff) {
      this.pos++;
      return b;
    }
    const next = this.bytes[this.pos + 1];
    if (next === 0x00) {
      this.pos += 2;
      return 0xff;
    }
    this.atMarker = true; // leave pos on the marker
    return 0;
  }

  bit(): number {
    if (this.bits === 0) {
      this.buffer = this.nextByte();
      this.bits = 8;
    }
    this.bits--;
    return (this.buffer >> this.bits) & 1;
  }

  receive(length: number): number {
    let value = 0;
    for (let i = 0; i < length; i++) value = (value << 1) | this.bit();
    return value;
  }

  decode(table: HuffmanTable): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= (table.maxCode[length] as number)) {
        return table.symbols[
          (table.firstIndex[length] as number) + code - (table.firstCode[length] as number)
        ] as number;
      }
    }
    throw new Unsupported("bad Huffman code");
  }

  /** At a restart: drop the partial byte, step over RSTn (and fill bytes). */
  restart(): void {
    this.bits = 0;
    this.atMarker = false;
    while (this.pos + 1 < this.bytes.length) {
      if (
        this.bytes[this.pos] === 0xff &&
        (this.bytes[this.pos + 1] as number) >= 0xd0 &&
        (this.bytes[this.pos + 1] as number) <= 0xd7
      ) {
        this.pos += 2;
        return;
      }
      if (this.bytes[this.pos] === 0xff && this.bytes[this.pos + 1] === 0xff) {
        this.pos++;
        continue;
      }
      return; // no RSTn where expected: carry on as libjpeg's resync would for valid streams
    }
  }
}

/** `receive`d bits of a magnitude category as a signed value (JPEG's EXTEND). */
function extend(value: number, length: number): number {
  return value < 1 << (length - 1) ? value - (1 << length) + 1 : value;
}

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** Rounded arithmetic right shift of a (possibly > 32-bit) integer held in a double. */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

/** libjpeg's post-IDCT sample_range_limit lookup of a value before the +128 level shift. */
function rangeLimit(value: number): number {
  const m = value & 1023;
  if (m < 128) return m + 128;
  if (m < 512) return 255;
  if (m < 896) return 0;
  return m - 896;
}

/**
 * One 1-D 8-point inverse transform (the even/odd split of the LLM islow IDCT); `at(i)` reads
 * input i, the results are the 8 unscaled outputs (×2^CONST_BITS) before descaling.
 */
function idct8(
  i0: number,
  i1: number,
  i2: number,
  i3: number,
  i4: number,
  i5: number,
  i6: number,
  i7: number,
  out: Float64Array,
): void {
  let z1 = (i2 + i6) * FIX_0_541196100;
  const tmp2 = z1 - i6 * FIX_1_847759065;
  const tmp3 = z1 + i2 * FIX_0_765366865;
  const e0 = (i0 + i4) * 2 ** CONST_BITS;
  const e1 = (i0 - i4) * 2 ** CONST_BITS;
  const t10 = e0 + tmp3;
  const t13 = e0 - tmp3;
  const t11 = e1 + tmp2;
  const t12 = e1 - tmp2;

  z1 = i7 + i1;
  let z2 = i5 + i3;
  let z3 = i7 + i3;
  let z4 = i5 + i1;
  const z5 = (z3 + z4) * FIX_1_175875602;
  let o0 = i7 * FIX_0_298631336;
  let o1 = i5 * FIX_2_053119869;
  let o2 = i3 * FIX_3_072711026;
  let o3 = i1 * FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  o0 += z1 + z3;
  o1 += z2 + z4;
  o2 += z2 + z3;
  o3 += z1 + z4;

  out[0] = t10 + o3;
  out[7] = t10 - o3;
  out[1] = t11 + o2;
  out[6] = t11 - o2;
  out[2] = t12 + o1;
  out[5] = t12 - o1;
  out[3] = t13 + o0;
  out[4] = t13 - o0;
}

/** Dequantised coefficients (natural order) → 8×8 samples written into `plane` at (x, y). */
function inverseDct(
  coef: Int32Array,
  quant: Uint16Array,
  plane: Uint8Array,
  stride: number,
  x: number,
  y: number,
): void {
  const work = new Int32Array(64);
  const out = new Float64Array(8);
  for (let c = 0; c < 8; c++) {
    const q = (r: number) => (coef[r * 8 + c] as number) * (quant[r * 8 + c] as number);
    idct8(q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7), out);
    for (let r = 0; r < 8; r++) work[r * 8 + c] = descale(out[r] as number, CONST_BITS - PASS1_BITS);
  }
  for (let r = 0; r < 8; r++) {
    const w = (c: number) => work[r * 8 + c] as number;
    idct8(w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7), out);
    const row = (y + r) * stride + x;
    for (let c = 0; c < 8; c++) plane[row + c] = rangeLimit(descale(out[c] as number, CONST_BITS + PASS1_BITS + 3));
  }
}

/** The Y plane of a colour JPEG as libjpeg decodes it to gray, or undefined outside the scope above. */
export function jpegLuma(bytes: Uint8Array): { rows: number; columns: number; pixels: Uint8Array } | undefined {
  try {
    return decodeLuma(bytes);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function decodeLuma(bytes: Uint8Array): { rows: number; columns: number; pixels: Uint8Array } {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Unsupported("not a JPEG");
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let components: Component[] = [];
  let width = 0;
  let height = 0;
  let hMax = 1;
  let vMax = 1;
  let restartInterval = 0;
  let sawJfif = false;
  let adobeTransform: number | undefined;
  let plane: Uint8Array | undefined;
  let stride = 0;
  const lumaQuant = new Uint16Array(64);
  let pos = 2;
  const u16 = (at: number) => ((bytes[at] as number) << 8) | (bytes[at + 1] as number);

  for (;;) {
    while (pos < bytes.length && bytes[pos] !== 0xff) pos++; // stray bytes before a marker
    while (pos < bytes.length && bytes[pos] === 0xff) pos++;
    if (pos >= bytes.length) break;
    const marker = bytes[pos++] as number;
    if (marker === 0xd9) break; // EOI
    if (marker >= 0xd0 && marker <= 0xd7) continue;
    const length = u16(pos);
    const body = pos + 2;
    const end = pos + length;
    if (marker === 0xe0 && String.fromCharCode(...bytes.subarray(body, body + 5)) === "JFIF\0") sawJfif = true;
    else if (marker === 0xee && String.fromCharCode(...bytes.subarray(body, body + 5)) === "Adobe") {
      adobeTransform = bytes[body + 11];
    } else if (marker === 0xdb) {
      for (let at = body; at < end; ) {
        const precision = (bytes[at] as number) >> 4;
        const id = (bytes[at] as number) & 15;
        const table = new Uint16Array(64);
        for (let k = 0; k < 64; k++) {
          table[ZIGZAG[k] as number] = precision ? u16(at + 1 + 2 * k) : (bytes[at + 1 + k] as number);
        }
        quant[id] = table;
        at += 1 + (precision ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let at = body; at < end; ) {
        const tableClass = (bytes[at] as number) >> 4;
        const id = (bytes[at] as number) & 15;
        const counts = bytes.subarray(at + 1, at + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffman(counts, bytes.slice(at + 17, at + 17 + total));
        (tableClass === 0 ? dcTables : acTables)[id] = table;
        at += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(body);
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (bytes[body] !== 8) throw new Unsupported("not 8-bit");
      height = u16(body + 1);
      width = u16(body + 3);
      const count = bytes[body + 5] as number;
      if (count !== 3 || height === 0 || width === 0) throw new Unsupported("not a 3-component image of known size");
      components = [];
      for (let i = 0; i < count; i++) {
        const at = body + 6 + 3 * i;
        const sampling = bytes[at + 1] as number;
        components.push({
          id: bytes[at] as number,
          h: sampling >> 4,
          v: sampling & 15,
          quantTable: bytes[at + 2] as number,
          blocksWide: 0,
          blocksHigh: 0,
          dcPrediction: 0,
        });
      }
      hMax = Math.max(...components.map((c) => c.h));
      vMax = Math.max(...components.map((c) => c.v));
      for (const c of components) {
        c.blocksWide = Math.ceil(Math.ceil((width * c.h) / hMax) / 8);
        c.blocksHigh = Math.ceil(Math.ceil((height * c.v) / vMax) / 8);
      }
      const luma = components[0] as Component;
      if (luma.h !== hMax || luma.v !== vMax) throw new Unsupported("luma below full resolution");
      // libjpeg's colour-space guess for three components: JFIF → YCbCr; Adobe transform 0 → RGB;
      // component ids 'R','G','B' → RGB; otherwise YCbCr.
      const ids = components.map((c) => c.id).join(",");
      const rgb = !sawJfif && (adobeTransform !== undefined ? adobeTransform === 0 : ids === "82,71,66");
      if (rgb) throw new Unsupported("RGB-coded JPEG");
      stride = Math.ceil(width / (8 * hMax)) * 8 * hMax;
      plane = new Uint8Array(stride * Math.ceil(height / (8 * vMax)) * 8 * vMax);
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new Unsupported(`SOF marker 0x${marker.toString(16)}`);
    } else if (marker === 0xda) {
      if (!plane) throw new Unsupported("scan before frame header");
      const count = bytes[body] as number;
      const scan: { component: Component; dc: HuffmanTable; ac: HuffmanTable; index: number }[] = [];
      for (let i = 0; i < count; i++) {
        const id = bytes[body + 1 + 2 * i] as number;
        const tables = bytes[body + 2 + 2 * i] as number;
        const index = components.findIndex((c) => c.id === id);
        const dc = dcTables[tables >> 4];
        const ac = acTables[tables & 15];
        if (index < 0 || !dc || !ac) throw new Unsupported("scan names an unknown component or table");
        scan.push({ component: components[index] as Component, dc, ac, index });
      }
      if (scan.some((s) => s.index === 0)) {
        const table = quant[(components[0] as Component).quantTable];
        if (!table) throw new Unsupported("no quantisation table for luma");
        lumaQuant.set(table);
      }
      pos = decodeScan(bytes, end, scan, restartInterval, width, height, hMax, vMax, plane, stride, lumaQuant);
      continue;
    }
    pos = end;
  }
  if (!plane) throw new Unsupported("no frame");
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) pixels.set(plane.subarray(y * stride, y * stride + width), y * width);
  return { rows: height, columns: width, pixels };
}

function decodeScan(
  bytes: Uint8Array,
  start: number,
  scan: { component: Component; dc: HuffmanTable; ac: HuffmanTable; index: number }[],
  restartInterval: number,
  width: number,
  height: number,
  hMax: number,
  vMax: number,
  plane: Uint8Array,
  stride: number,
  lumaQuant: Uint16Array,
): number {
  const reader = new BitReader(bytes, start);
  const coef = new Int32Array(64);
  for (const s of scan) s.component.dcPrediction = 0;

  const block = (s: (typeof scan)[number], blockX: number, blockY: number) => {
    coef.fill(0);
    const t = reader.decode(s.dc);
    const diff = t === 0 ? 0 : extend(reader.receive(t), t);
    s.component.dcPrediction += diff;
    coef[0] = s.component.dcPrediction;
    for (let k = 1; k < 64; ) {
      const rs = reader.decode(s.ac);
      const run = rs >> 4;
      const size = rs & 15;
      if (size === 0) {
        if (run !== 15) break;
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) break;
      coef[ZIGZAG[k] as number] = extend(reader.receive(size), size);
      k++;
    }
    if (s.index === 0) inverseDct(coef, lumaQuant, plane, stride, blockX * 8, blockY * 8);
  };

  let units: number;
  let unit: (n: number) => void;
  if (scan.length === 1) {
    // Non-interleaved: the component's own blocks in raster order.
    const s = scan[0] as (typeof scan)[number];
    const wide = s.component.blocksWide;
    units = wide * s.component.blocksHigh;
    unit = (n) => block(s, n % wide, Math.floor(n / wide));
  } else {
    const mcusWide = Math.ceil(width / (8 * hMax));
    units = mcusWide * Math.ceil(height / (8 * vMax));
    unit = (n) => {
      const mx = n % mcusWide;
      const my = Math.floor(n / mcusWide);
      for (const s of scan) {
        for (let v = 0; v < s.component.v; v++) {
          for (let h = 0; h < s.component.h; h++) block(s, mx * s.component.h + h, my * s.component.v + v);
        }
      }
    };
  }
  for (let n = 0; n < units; n++) {
    if (restartInterval > 0 && n > 0 && n % restartInterval === 0) {
      reader.restart();
      for (const s of scan) s.component.dcPrediction = 0;
    }
    unit(n);
  }
  // Next marker after the entropy-coded data.
  let pos = reader.pos;
  while (pos + 1 < bytes.length) {
    if (
      bytes[pos] === 0xff &&
      bytes[pos + 1] !== 0x00 &&
      !((bytes[pos + 1] as number) >= 0xd0 && (bytes[pos + 1] as number) <= 0xd7)
    ) {
      return pos;
    }
    pos++;
  }
  return bytes.length;
}
