/*
 * mammoflow's optional native pixel kernels: the whole-image loops of `mammoflow decode` and of
 * the stages' conversions, which JavaScript runs 3-10x slower. Each has a JavaScript twin that
 * gives the same bytes (jobs/ts/dicom/convert, jobs/ts/dicom/batch/gray-png.ts) and is used when
 * this file was not built.
 *
 * minMaxInt16(values: Int16Array) -> { min, max }            (values.length >= 1)
 * lookupInt16(values: Int16Array, min: number, table: Uint8Array) -> Uint8Array
 *   out[i] = table[values[i] - min]; a value outside [min, min + table.length) throws.
 * deflateUpRows(pixels: Uint8Array, rows: number, columns: number) -> Uint8Array
 *   the zlib stream (RFC 1950/1951) of a PNG's image data for an 8-bit one-channel image: each
 *   row as filter byte 2 (Up) and its residuals, Huffman-coded without string matching, in
 *   dynamic-Huffman blocks of whole rows (about 32 KiB each), the stream zlib writes at level 1
 *   with Z_HUFFMAN_ONLY up to the block boundaries. A mammogram's Up residuals are noise around
 *   zero that string matching does not shorten; coding them is the whole cost, and this loop does
 *   it about 4x faster than zlib's general one.
 * keepLowBitsUint16(values: Uint16Array, bits: number) -> undefined
 *   values[i] &= (1 << bits) - 1 in place, bits 1..15: BitsStored below BitsAllocated.
 * retainFreedMemory(bytes: number) -> boolean
 *   glibc's malloc: allocations up to `bytes` come from the heap
 *   instead of fresh mmap()s, and up to `bytes` of freed memory stay mapped instead of going back
 *   to the system, so that the next image's buffers of the same sizes reuse pages that are
 *   already there; false (nothing changed) elsewhere than glibc or when glibc refuses the value.
 * version() -> string
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* Whether value is a typed array of the wanted type; if so, its storage and element count. */
static int typed_array_arg(napi_env env, napi_value value, napi_typedarray_type wanted, const void **data,
                           size_t *length) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  void *raw;
  napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL);
  *data = raw;
  return type == wanted;
}

/* A new Uint8Array of `length` bytes; *data points at its storage. NULL after throwing. */
static napi_value new_uint8_array(napi_env env, size_t length, uint8_t **data) {
  napi_value buffer, array;
  void *raw;
  if (napi_create_arraybuffer(env, length, &raw, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &array) != napi_ok) {
    return throw_error(env, "could not allocate the output array");
  }
  *data = (uint8_t *)raw;
  return array;
}

/* ---------------------------------------------------------------- min, max and table lookup */

static napi_value min_max_int16(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const int16_t *values;
  size_t length;
  if (argc < 1 || !typed_array_arg(env, argv[0], napi_int16_array, (const void **)&values, &length)) return throw_error(env, "values must be an Int16Array");
  if (length == 0) return throw_error(env, "values must not be empty");
  /* Separate accumulators per lane let the compiler vectorise the loop. */
  int16_t lo[16], hi[16];
  for (int k = 0; k < 16; k++) lo[k] = hi[k] = values[0];
  size_t i = 0;
  for (; i + 16 <= length; i += 16) {
    for (int k = 0; k < 16; k++) {
      int16_t v = values[i + k];
      lo[k] = v < lo[k] ? v : lo[k];
      hi[k] = v > hi[k] ? v : hi[k];
    }
  }
  int16_t min = lo[0], max = hi[0];
  for (int k = 1; k < 16; k++) {
    if (lo[k] < min) min = lo[k];
    if (hi[k] > max) max = hi[k];
  }
  for (; i < length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  napi_value result, min_value, max_value;
  napi_create_object(env, &result);
  napi_create_int32(env, min, &min_value);
  napi_create_int32(env, max, &max_value);
  napi_set_named_property(env, result, "min", min_value);
  napi_set_named_property(env, result, "max", max_value);
  return result;
}

static napi_value keep_low_bits_uint16(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const void *data;
  size_t length;
  if (argc < 2 || !typed_array_arg(env, argv[0], napi_uint16_array, &data, &length)) return throw_error(env, "values must be a Uint16Array");
  double bits = 0;
  if (napi_get_value_double(env, argv[1], &bits) != napi_ok || !(bits >= 1 && bits <= 15) || bits != (int)bits) {
    return throw_error(env, "bits must be an integer from 1 to 15");
  }
  uint16_t *restrict values = (uint16_t *)data;
  const uint16_t mask = (uint16_t)((1u << (int)bits) - 1u);
  for (size_t i = 0; i < length; i++) values[i] &= mask;
  return NULL;
}

static napi_value lookup_int16(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const int16_t *values;
  const uint8_t *table;
  size_t length, table_length;
  double min_value;
  if (argc < 3 || !typed_array_arg(env, argv[0], napi_int16_array, (const void **)&values, &length)) return throw_error(env, "values must be an Int16Array");
  /* The range first: converting a double outside int32's range is undefined. */
  if (napi_get_value_double(env, argv[1], &min_value) != napi_ok || !(min_value >= -32768 && min_value <= 32767) ||
      min_value != (double)(int32_t)min_value) {
    return throw_error(env, "min must be an integer in int16's range");
  }
  const int32_t min = (int32_t)min_value;
  if (!typed_array_arg(env, argv[2], napi_uint8_array, (const void **)&table, &table_length)) return throw_error(env, "table must be a Uint8Array");
  uint8_t *out;
  napi_value result = new_uint8_array(env, length, &out);
  if (result == NULL) return NULL;
  uint32_t outside = 0;
  for (size_t i = 0; i < length; i++) {
    uint32_t at = (uint32_t)((int32_t)values[i] - min);
    /* Out of range reads entry 0 and is reported after the loop, which stays branch-free. */
    outside |= at >= table_length;
    out[i] = table[at < table_length ? at : 0];
  }
  if (outside) return throw_error(env, "a value lies outside the lookup table's range");
  return result;
}

/* ------------------------------------------------------------ Huffman-only deflate of Up rows */

#define LITERALS 257 /* bytes 0-255 and end-of-block 256: the only literal/length symbols used */
#define END_OF_BLOCK 256
#define MAX_CODE_BITS 15
#define MAX_LENGTH_CODE_BITS 7
#define BLOCK_BYTES 32768

typedef struct {
  uint8_t *out;
  size_t at;
  uint64_t bits;
  int count;
} bit_writer;

/* Appends the low n bits of value (n <= 16), least significant bit first (RFC 1951 3.1.1). */
static inline void put_bits(bit_writer *w, uint32_t value, int n) {
  w->bits |= (uint64_t)value << w->count;
  w->count += n;
  if (w->count >= 32) {
    uint8_t *p = w->out + w->at;
    p[0] = (uint8_t)w->bits;
    p[1] = (uint8_t)(w->bits >> 8);
    p[2] = (uint8_t)(w->bits >> 16);
    p[3] = (uint8_t)(w->bits >> 24);
    w->at += 4;
    w->bits >>= 32;
    w->count -= 32;
  }
}

/* An unaligned little-endian 8-byte store (one instruction on x86-64 and arm64). */
static inline void store_le64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, 8);
#else
  for (int k = 0; k < 8; k++) p[k] = (uint8_t)(v >> (8 * k));
#endif
}

/*
 * The data loop's writer: up to three codes of at most 15 bits are gathered (at most 7 + 45 bits),
 * then the whole word is stored and the completed bytes are kept: no branch per code. The store
 * may write up to 8 bytes past the completed ones; the buffer has room for them.
 */
static inline void put_codes3(bit_writer *w, uint32_t a, uint32_t b, uint32_t c) {
  uint64_t bits = w->bits;
  int count = w->count;
  bits |= (uint64_t)(a & 0xffff) << count;
  count += (int)(a >> 16);
  bits |= (uint64_t)(b & 0xffff) << count;
  count += (int)(b >> 16);
  bits |= (uint64_t)(c & 0xffff) << count;
  count += (int)(c >> 16);
  store_le64(w->out + w->at, bits);
  int bytes = count >> 3;
  w->at += (size_t)bytes;
  w->bits = bits >> (8 * bytes); /* bytes <= 6: count <= 7 + 45 */
  w->count = count & 7;
}

static void flush_bits(bit_writer *w) {
  while (w->count > 0) {
    w->out[w->at++] = (uint8_t)w->bits;
    w->bits >>= 8;
    w->count -= 8;
  }
  w->count = 0;
  w->bits = 0;
}

typedef struct {
  uint32_t freq;
  uint16_t symbol;
} weighted_symbol;

static int by_frequency(const void *a, const void *b) {
  const weighted_symbol *x = a, *y = b;
  if (x->freq != y->freq) return x->freq < y->freq ? -1 : 1;
  return x->symbol < y->symbol ? -1 : 1;
}

/*
 * Code lengths of a Huffman code for freq[0..n) (n <= 288), none longer than max_bits; symbols of
 * frequency 0 get length 0. At least two symbols must have a frequency (callers make sure): a
 * complete code, which inflaters require of the code-length code.
 */
static void code_lengths(const uint32_t *freq, int n, int max_bits, uint8_t *lengths) {
  weighted_symbol leaves[288];
  int used = 0;
  for (int s = 0; s < n; s++) {
    lengths[s] = 0;
    if (freq[s] > 0) leaves[used++] = (weighted_symbol){freq[s], (uint16_t)s};
  }
  qsort(leaves, used, sizeof leaves[0], by_frequency);
  /* The two-queue construction: leaves ascending, merged nodes are made in ascending order too. */
  uint64_t weight[2 * 288];
  int parent[2 * 288];
  for (int i = 0; i < used; i++) weight[i] = leaves[i].freq;
  int next_leaf = 0, next_node = used, made = used;
  for (int k = 0; k < used - 1; k++) {
    int pick[2];
    for (int j = 0; j < 2; j++) {
      if (next_leaf < used && (next_node >= made || weight[next_leaf] <= weight[next_node])) pick[j] = next_leaf++;
      else pick[j] = next_node++;
    }
    weight[made] = weight[pick[0]] + weight[pick[1]];
    parent[pick[0]] = parent[pick[1]] = made;
    made++;
  }
  /* Depths from the root (the last node made); a parent always comes after its children. */
  int depth[2 * 288];
  depth[made - 1] = 0;
  for (int i = made - 2; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
  /* Clamp to max_bits, then restore Kraft's equality: each step takes a leaf off the deepest
   * level and splits a shallower leaf into two one level down (total drops by one per step). */
  int count[64] = {0};
  for (int i = 0; i < used; i++) count[depth[i] > max_bits ? max_bits : depth[i]]++;
  uint64_t total = 0;
  for (int d = 1; d <= max_bits; d++) total += (uint64_t)count[d] << (max_bits - d);
  while (total > ((uint64_t)1 << max_bits)) {
    count[max_bits]--;
    for (int d = max_bits - 1; d > 0; d--) {
      if (count[d] > 0) {
        count[d]--;
        count[d + 1] += 2;
        break;
      }
    }
    total--;
  }
  /* The rarest symbols take the longest codes. */
  int i = 0;
  for (int d = max_bits; d >= 1; d--) {
    for (int c = 0; c < count[d]; c++) lengths[leaves[i++].symbol] = (uint8_t)d;
  }
}

/* Canonical codes for the lengths (RFC 1951 3.2.2), bit-reversed for LSB-first output. */
static void canonical_codes(const uint8_t *lengths, int n, uint16_t *codes) {
  int count[MAX_CODE_BITS + 1] = {0};
  for (int s = 0; s < n; s++) count[lengths[s]]++;
  count[0] = 0;
  uint32_t next[MAX_CODE_BITS + 2];
  uint32_t code = 0;
  for (int bits = 1; bits <= MAX_CODE_BITS; bits++) {
    code = (code + (uint32_t)count[bits - 1]) << 1;
    next[bits] = code;
  }
  for (int s = 0; s < n; s++) {
    int len = lengths[s];
    if (len == 0) continue;
    uint32_t c = next[len]++, reversed = 0;
    for (int b = 0; b < len; b++) reversed |= ((c >> b) & 1u) << (len - 1 - b);
    codes[s] = (uint16_t)reversed;
  }
}

/* The code-length code's symbol order in a block header (RFC 1951 3.2.7). */
static const uint8_t LENGTH_CODE_ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

typedef struct {
  uint8_t symbol;
  uint8_t extra;
} length_token;

/* The run-length tokens of a code-length sequence (symbols 16: repeat 3-6, 17: 3-10 zeros, 18: 11-138 zeros). */
static int length_tokens(const uint8_t *sequence, int n, length_token *tokens) {
  int t = 0;
  for (int i = 0; i < n;) {
    int value = sequence[i], run = 1;
    while (i + run < n && sequence[i + run] == value) run++;
    i += run;
    if (value == 0) {
      while (run >= 11) {
        int k = run < 138 ? run : 138;
        tokens[t++] = (length_token){18, (uint8_t)(k - 11)};
        run -= k;
      }
      if (run >= 3) {
        tokens[t++] = (length_token){17, (uint8_t)(run - 3)};
        run = 0;
      }
    } else {
      tokens[t++] = (length_token){(uint8_t)value, 0};
      run--;
      while (run >= 3) {
        int k = run < 6 ? run : 6;
        tokens[t++] = (length_token){16, (uint8_t)(k - 3)};
        run -= k;
      }
    }
    while (run-- > 0) tokens[t++] = (length_token){(uint8_t)value, 0};
  }
  return t;
}

static const uint8_t LENGTH_TOKEN_EXTRA_BITS[19] = {[16] = 2, [17] = 3, [18] = 7};

/* One dynamic-Huffman block of literals (RFC 1951 3.2.7). */
static void write_block(bit_writer *w, const uint8_t *data, size_t length, int last) {
  /* Four counters per byte value: residuals cluster on a few values, and one table would make
   * every increment wait for the previous one to the same counter. */
  uint32_t partial[4][256] = {{0}};
  size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    partial[0][data[i]]++;
    partial[1][data[i + 1]]++;
    partial[2][data[i + 2]]++;
    partial[3][data[i + 3]]++;
  }
  for (; i < length; i++) partial[0][data[i]]++;
  uint32_t freq[LITERALS];
  for (int s = 0; s < 256; s++) freq[s] = partial[0][s] + partial[1][s] + partial[2][s] + partial[3][s];
  freq[END_OF_BLOCK] = 1;
  uint8_t lengths[LITERALS];
  uint16_t codes[LITERALS];
  code_lengths(freq, LITERALS, MAX_CODE_BITS, lengths);
  canonical_codes(lengths, LITERALS, codes);

  /* No distance is ever used; like zlib, two distance codes of one bit keep every inflater happy. */
  uint8_t sequence[LITERALS + 2];
  memcpy(sequence, lengths, LITERALS);
  sequence[LITERALS] = sequence[LITERALS + 1] = 1;
  length_token tokens[LITERALS + 2];
  int token_count = length_tokens(sequence, LITERALS + 2, tokens);
  uint32_t length_freq[19] = {0};
  for (int t = 0; t < token_count; t++) length_freq[tokens[t].symbol]++;
  int distinct = 0;
  for (int s = 0; s < 19; s++) distinct += length_freq[s] > 0;
  if (distinct < 2) length_freq[length_freq[0] > 0 ? 1 : 0] = 1; /* a complete code needs two symbols */
  uint8_t length_lengths[19];
  uint16_t length_codes[19];
  code_lengths(length_freq, 19, MAX_LENGTH_CODE_BITS, length_lengths);
  canonical_codes(length_lengths, 19, length_codes);
  int header_codes = 19;
  while (header_codes > 4 && length_lengths[LENGTH_CODE_ORDER[header_codes - 1]] == 0) header_codes--;

  put_bits(w, last ? 1 : 0, 1);
  put_bits(w, 2, 2);                      /* BTYPE 10: dynamic Huffman codes */
  put_bits(w, LITERALS - 257, 5);         /* HLIT */
  put_bits(w, 2 - 1, 5);                  /* HDIST */
  put_bits(w, (uint32_t)header_codes - 4, 4); /* HCLEN */
  for (int i = 0; i < header_codes; i++) put_bits(w, length_lengths[LENGTH_CODE_ORDER[i]], 3);
  for (int t = 0; t < token_count; t++) {
    put_bits(w, length_codes[tokens[t].symbol], length_lengths[tokens[t].symbol]);
    int extra = LENGTH_TOKEN_EXTRA_BITS[tokens[t].symbol];
    if (extra > 0) put_bits(w, tokens[t].extra, extra);
  }
  /* put_codes3 needs fewer than 8 bits pending (7 + 3 x 15 < 64); the header left up to 31. */
  while (w->count >= 8) {
    w->out[w->at++] = (uint8_t)w->bits;
    w->bits >>= 8;
    w->count -= 8;
  }
  /* The data: a byte's code and length in one word, so the loop does one lookup per byte. */
  uint32_t packed[256];
  for (int s = 0; s < 256; s++) packed[s] = (uint32_t)codes[s] | ((uint32_t)lengths[s] << 16);
  size_t at = 0;
  for (; at + 3 <= length; at += 3) put_codes3(w, packed[data[at]], packed[data[at + 1]], packed[data[at + 2]]);
  for (; at < length; at++) put_bits(w, packed[data[at]] & 0xffff, (int)(packed[data[at]] >> 16));
  put_bits(w, codes[END_OF_BLOCK], lengths[END_OF_BLOCK]);
}

/*
 * Adler-32 (RFC 1950 2.2) continued over data. Per chunk, b grows by n·a plus each byte times
 * its distance from the chunk's end: two independent sums the compiler vectorises, where the
 * textbook loop is one long chain of additions.
 */
static uint32_t adler32_update(uint32_t adler, const uint8_t *data, size_t length) {
  uint64_t a = adler & 0xffff, b = adler >> 16;
  while (length > 0) {
    uint32_t n = length < 5552 ? (uint32_t)length : 5552; /* weighted sum stays below 2^32 */
    uint32_t sum = 0, weighted = 0;
    for (uint32_t i = 0; i < n; i++) {
      sum += data[i];
      weighted += (n - i) * (uint32_t)data[i];
    }
    b = (b + (uint64_t)n * a + weighted) % 65521;
    a = (a + sum) % 65521;
    data += n;
    length -= n;
  }
  return (uint32_t)((b << 16) | a);
}

static napi_value deflate_up_rows(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const uint8_t *pixels;
  size_t length;
  double rows_value, columns_value;
  if (argc < 3 || !typed_array_arg(env, argv[0], napi_uint8_array, (const void **)&pixels, &length)) return throw_error(env, "pixels must be a Uint8Array");
  if (napi_get_value_double(env, argv[1], &rows_value) != napi_ok ||
      napi_get_value_double(env, argv[2], &columns_value) != napi_ok || !(rows_value >= 1 && rows_value <= (1 << 24)) ||
      !(columns_value >= 1 && columns_value <= (1 << 24)) || rows_value != (double)(int64_t)rows_value ||
      columns_value != (double)(int64_t)columns_value ||
      (uint64_t)rows_value * (uint64_t)columns_value != length) {
    return throw_error(env, "rows and columns must be positive integers and their product the pixel count");
  }
  const int64_t rows = (int64_t)rows_value, columns = (int64_t)columns_value;
  const size_t stride = (size_t)columns + 1;
  size_t rows_per_block = BLOCK_BYTES / stride;
  if (rows_per_block < 1) rows_per_block = 1;
  const size_t blocks = ((size_t)rows + rows_per_block - 1) / rows_per_block;
  /* Worst case: 15 bits a byte, a header of at most 3 + 14 + 19 * 3 + 259 * 14 bits a block, and
   * put_codes3's 8-byte store past the end. */
  const size_t bound = 2 + (size_t)rows * stride * 15 / 8 + blocks * 512 + 16 + 8;
  uint8_t *scratch = malloc(bound + rows_per_block * stride);
  if (scratch == NULL) return throw_error(env, "could not allocate the PNG encoder's buffers");
  uint8_t *filtered = scratch + bound;

  bit_writer w = {scratch, 0, 0, 0};
  w.out[w.at++] = 0x78; /* deflate, 32 KiB window */
  w.out[w.at++] = 0x01; /* FLEVEL 0 (fastest); 0x7801 is a multiple of 31 */
  uint32_t adler = 1;
  for (size_t first = 0; first < (size_t)rows; first += rows_per_block) {
    size_t count = (size_t)rows - first < rows_per_block ? (size_t)rows - first : rows_per_block;
    for (size_t r = 0; r < count; r++) {
      size_t y = first + r;
      uint8_t *restrict out = filtered + r * stride;
      const uint8_t *restrict row = pixels + y * (size_t)columns;
      out[0] = 2; /* Up */
      if (y == 0) memcpy(out + 1, row, (size_t)columns);
      else {
        const uint8_t *restrict above = row - columns;
        for (size_t x = 0; x < (size_t)columns; x++) out[1 + x] = (uint8_t)(row[x] - above[x]);
      }
    }
    adler = adler32_update(adler, filtered, count * stride);
    write_block(&w, filtered, count * stride, first + count >= (size_t)rows);
  }
  flush_bits(&w);
  w.out[w.at++] = (uint8_t)(adler >> 24);
  w.out[w.at++] = (uint8_t)(adler >> 16);
  w.out[w.at++] = (uint8_t)(adler >> 8);
  w.out[w.at++] = (uint8_t)adler;

  uint8_t *data;
  napi_value result = new_uint8_array(env, w.at, &data);
  if (result != NULL) memcpy(data, w.out, w.at);
  free(scratch);
  return result;
}

static napi_value retain_freed_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  double bytes = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &bytes) != napi_ok || !(bytes >= 0) || bytes > INT32_MAX) {
    napi_throw_range_error(env, NULL, "retainFreedMemory(bytes) needs a byte count from 0 to 2^31 - 1");
    return NULL;
  }
  bool applied = false;
#ifdef __GLIBC__
  /* Setting either turns off glibc's own adjustment of both (mallopt(3)). */
  applied = mallopt(M_MMAP_THRESHOLD, (int)bytes) == 1 && mallopt(M_TRIM_THRESHOLD, (int)bytes) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, applied, &result);
  return result;
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, "mammoflow pixel kernels 1", NAPI_AUTO_LENGTH, &v);
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"minMaxInt16", NULL, min_max_int16, NULL, NULL, NULL, napi_default, NULL},
      {"lookupInt16", NULL, lookup_int16, NULL, NULL, NULL, napi_default, NULL},
      {"deflateUpRows", NULL, deflate_up_rows, NULL, NULL, NULL, napi_default, NULL},
      {"keepLowBitsUint16", NULL, keep_low_bits_uint16, NULL, NULL, NULL, napi_default, NULL},
      {"retainFreedMemory", NULL, retain_freed_memory, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
