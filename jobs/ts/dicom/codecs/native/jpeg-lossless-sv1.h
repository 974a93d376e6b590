/*
 * The common case of JPEG Lossless (ITU-T T.81 process 14, Annex H) decoded directly: one
 * component of 9 to 16 bits, predictor 1 (selection value 1, what transfer syntax .70 requires),
 * no point transform, no restart intervals, one scan. A 3000x2400 mammogram decodes in about a
 * third of the time DCMTK's IJG build takes, which is a general decoder with a row pipeline.
 *
 * It decodes well-formed streams only: anything outside that case, and any stream the IJG code
 * would decode with a warning (a bad Huffman code, data that runs into a marker or ends before the
 * last sample) and any marker but the end of the image after the scan, returns 0 before or after writing
 * into `out`, and the caller decodes the same stream with DCMTK, whose result (or error) stands.
 * Where this returns 1 the values are the ones the IJG code computes: (prediction + difference)
 * modulo 2^16, SSSS 16 meaning a difference of 32768 with no extra bits (H.1.2.2).
 *
 * Included by ljpeg-addon.cc; plain C that compiles as C++.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Codes of up to this many bits decode with one lookup (a table that stays in the L1 cache). */
enum { SV1_FAST_BITS = 11 };

/*
 * A lossless Huffman table (T.81 Annex C). fast[] holds, per SV1_FAST_BITS bits of input: 0 when
 * the code is longer; else the code length in bits 0-7 and either, with bit 15 set, the whole
 * difference (modulo 2^16) in bits 16-31 and the length of code and extra bits together in 0-7,
 * or the SSSS whose extra bits follow in bits 8-12. Longer codes decode by length (max_code).
 */
typedef struct {
  int defined;
  uint32_t fast[1 << SV1_FAST_BITS];
  int32_t max_code[17]; /* the largest code of each length, -1 for none */
  int32_t offset[17];   /* symbol index of a code of that length: code + offset */
  uint8_t symbols[256];
} sv1_table;

typedef struct {
  const uint8_t *next;
  const uint8_t *end;
  uint64_t bits;      /* the next bits of entropy-coded data, most significant first */
  int count;          /* how many of them are valid */
  int stopped;        /* a marker (or the end of the stream) was reached: zeros follow */
  int zeros;          /* zero bits appended after that */
} sv1_reader;

static uint32_t sv1_u16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }

/* The difference that SSSS and its extra bits v code (H.1.2.2; F.2.2.1's EXTEND), modulo 2^16. */
static uint32_t sv1_difference(int ssss, uint32_t v) {
  if (ssss == 0) return 0;
  if (ssss == 16) return 32768; /* no extra bits */
  return v < (1u << (ssss - 1)) ? (v - (1u << ssss) + 1) & 0xffff : v;
}

/* Canonical codes of a DHT table (T.81 Annex C); 0 where the IJG code would refuse the table. */
static int sv1_build_table(sv1_table *table, const uint8_t *counts, const uint8_t *symbols, size_t symbol_count) {
  memset(table->fast, 0, sizeof table->fast);
  if (symbol_count > 256) return 0;
  memcpy(table->symbols, symbols, symbol_count);
  uint32_t code = 0;
  size_t k = 0;
  for (int length = 1; length <= 16; length++) {
    table->max_code[length] = -1;
    table->offset[length] = (int32_t)k - (int32_t)code;
    for (int i = 0; i < counts[length - 1]; i++, k++) {
      if (k >= symbol_count || symbols[k] > 16) return 0;
      const int ssss = symbols[k];
      table->max_code[length] = (int32_t)code;
      if (length <= SV1_FAST_BITS) {
        const int free_bits = SV1_FAST_BITS - length;
        for (uint32_t tail = 0; tail < (1u << free_bits); tail++) {
          const uint32_t index = (code << free_bits) | tail;
          const int extra = ssss == 16 ? 0 : ssss;
          if (extra <= free_bits) {
            const uint32_t v = extra == 0 ? 0 : tail >> (free_bits - extra);
            table->fast[index] = (sv1_difference(ssss, v) << 16) | 0x8000u | (uint32_t)(length + extra);
          } else {
            table->fast[index] = ((uint32_t)ssss << 8) | (uint32_t)length;
          }
        }
      }
      code++;
    }
    /* No code may be all ones (jdhuff.c refuses the table). */
    if (code >= (1u << length)) return 0;
    code <<= 1;
  }
  table->defined = 1;
  return 1;
}

static void sv1_fill(sv1_reader *r) {
  while (r->count <= 56) {
    uint32_t byte = 0;
    if (!r->stopped) {
      if (r->next < r->end && r->next[0] != 0xff) {
        byte = *r->next++;
      } else if (r->next + 1 < r->end && r->next[1] == 0x00) {
        byte = 0xff; /* a stuffed 0xFF data byte */
        r->next += 2;
      } else {
        r->stopped = 1; /* a marker, or the end: `next` stays on it */
      }
    }
    if (r->stopped) r->zeros += 8;
    r->bits |= (uint64_t)byte << (56 - r->count);
    r->count += 8;
  }
}

/*
 * Decodes `stream` into `out` (sample_count 16-bit samples, host order) when it is the case above
 * and the image is precision bits of sample_count samples; 1 when it did, 0 when DCMTK must.
 */
static int sv1_decode(const uint8_t *stream, size_t length, int precision, size_t sample_count, uint16_t *out) {
  if (precision < 9 || precision > 16 || length < 4 || stream[0] != 0xff || stream[1] != 0xd8) return 0;
  /* Four lossless tables, each 128 KiB: on the heap, not the stack of a worker thread. */
  sv1_table *tables = (sv1_table *)calloc(4, sizeof(sv1_table));
  if (tables == NULL) return 0;
  int ok = 0;
  size_t rows = 0, columns = 0;
  int component = -1, scan_table = -1;
  size_t at = 2;
  for (;;) {
    if (at + 4 > length || stream[at] != 0xff) goto done;
    const uint8_t marker = stream[at + 1];
    if (marker == 0xff) { /* fill byte */
      at++;
      continue;
    }
    const size_t segment = sv1_u16(stream + at + 2);
    if (segment < 2 || at + 2 + segment > length) goto done;
    const uint8_t *data = stream + at + 4;
    const size_t data_length = segment - 2;
    if (marker == 0xc3) { /* SOF3: P, Y, X, Nf = 1 */
      if (rows != 0 || data_length != 9 || data[0] != precision || data[5] != 1) goto done;
      /* Sampling factors 1-4 (jdinput.c refuses others), though one component has no subsampling. */
      if ((data[7] >> 4) < 1 || (data[7] >> 4) > 4 || (data[7] & 15) < 1 || (data[7] & 15) > 4) goto done;
      rows = sv1_u16(data + 1);
      columns = sv1_u16(data + 3);
      component = data[6];
      if (rows == 0 || columns == 0 || rows * columns != sample_count) goto done;
    } else if (marker == 0xc4) { /* DHT: one or more tables */
      size_t p = 0;
      while (p < data_length) {
        if (p + 17 > data_length) goto done;
        const int table_class = data[p] >> 4, id = data[p] & 15;
        size_t total = 0;
        for (int i = 0; i < 16; i++) total += data[p + 1 + i];
        if (p + 17 + total > data_length) goto done;
        if (table_class == 0) {
          if (id > 3 || !sv1_build_table(&tables[id], data + p + 1, data + p + 17, total)) goto done;
        }
        p += 17 + total;
      }
    } else if (marker == 0xdd) { /* DRI: restart intervals are DCMTK's */
      if (data_length != 2 || sv1_u16(data) != 0) goto done;
    } else if ((marker >= 0xe0 && marker <= 0xef) || marker == 0xfe) { /* APPn, COM */
    } else if (marker == 0xda) { /* SOS: Ns = 1, predictor 1, Se 0, Ah 0, Al (point transform) 0 */
      if (rows == 0 || data_length != 6 || data[0] != 1 || data[1] != component || data[3] != 1 || data[4] != 0 ||
          data[5] != 0) {
        goto done;
      }
      scan_table = data[2] >> 4;
      if (scan_table > 3 || !tables[scan_table].defined) goto done;
      at += 2 + segment;
      break;
    } else {
      goto done; /* another frame type, DNL, DQT, ...: not this case */
    }
    at += 2 + segment;
  }
  {
    const sv1_table *table = &tables[scan_table];
    sv1_reader r = {stream + at, stream + length, 0, 0, 0, 0};
    uint32_t predictor = 1u << (precision - 1);
    for (size_t y = 0; y < rows; y++) {
      uint16_t *row = out + y * columns;
      if (y > 0) predictor = row[-(ptrdiff_t)columns]; /* first column: the sample above */
      for (size_t x = 0; x < columns; x++) {
        if (r.count < 32) sv1_fill(&r);
        const uint32_t entry = table->fast[r.bits >> (64 - SV1_FAST_BITS)];
        uint32_t difference;
        if (entry & 0x8000u) {
          difference = entry >> 16;
          r.bits <<= entry & 0xff;
          r.count -= (int)(entry & 0xff);
        } else {
          int ssss;
          if (entry != 0) {
            ssss = (int)(entry >> 8) & 0x1f;
            r.bits <<= entry & 0xff;
            r.count -= (int)(entry & 0xff);
          } else {
            int length = SV1_FAST_BITS + 1;
            const uint32_t peek = (uint32_t)(r.bits >> 48);
            while (length <= 16 && (int32_t)(peek >> (16 - length)) > table->max_code[length]) length++;
            if (length > 16) goto done; /* a bad Huffman code */
            ssss = table->symbols[(int32_t)(peek >> (16 - length)) + table->offset[length]];
            r.bits <<= length;
            r.count -= length;
          }
          uint32_t v = 0;
          if (ssss > 0 && ssss < 16) {
            v = (uint32_t)(r.bits >> (64 - ssss));
            r.bits <<= ssss;
            r.count -= ssss;
          }
          difference = sv1_difference(ssss, v);
        }
        predictor = (predictor + difference) & 0xffff;
        row[x] = (uint16_t)predictor;
      }
    }
    /* Decoded from zeros that are not in the stream: IJG would have warned. */
    if (r.count < r.zeros) goto done;
    /* After the scan's data (the rest of its last byte is padding; IJG skips stray bytes before a
       marker) the next marker must be the end of the image. */
    const uint8_t *p = r.next;
    while (p < r.end && !(p[0] == 0xff && p + 1 < r.end && p[1] != 0x00 && p[1] != 0xff)) p++;
    if (p + 1 >= r.end || p[1] != 0xd9) goto done;
    ok = 1;
  }
done:
  free(tables);
  return ok;
}
