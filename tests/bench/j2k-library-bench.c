/*
 * Per-image CPU time of one JPEG 2000 library on raw codestreams, for
 * tests/bench/j2k-library-bench.sh (docs/decisions/0007). Compiled once against OpenJPEG
 * (libopenjp2, the library of build/native/openjpeg.node) and once against Grok (libgrokj2k,
 * -DWITH_GROK), so that both decode the same bytes through the same steps: read the header,
 * decode the whole image, read every sample back.
 *
 * j2k-library-bench THREADS REPEATS FILE...
 * prints one line per file: the library and its version, the thread count, the median CPU
 * seconds (user + system, all of the process's threads) and wall seconds over REPEATS decodes,
 * and the sum of the samples (equal sums between the two libraries: the same values, with
 * overwhelming likelihood; the parity tests compare them value by value).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef WITH_GROK
#include <grok.h>
#else
#include <openjpeg.h>
#endif

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double wall_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int n) {
  qsort(values, (size_t)n, sizeof *values, by_value);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void report(const char *message, void *user) {
  (void)user;
  fprintf(stderr, "%s", message);
}

#ifdef WITH_GROK
static const char *library(void) { return "grok"; }
static const char *library_version(void) { return grk_version(); }
static void start(int threads) {
  /* Grok's thread pool is one per process, sized here. */
  grk_initialize(NULL, (uint32_t)threads);
  grk_set_msg_handlers(NULL, NULL, NULL, NULL, report, NULL);
}

/* Decodes the codestream and returns the sum of its samples, or -1 on failure. */
static long long decode_sum(uint8_t *data, size_t length, int threads) {
  (void)threads;
  grk_stream_params stream;
  memset(&stream, 0, sizeof stream);
  stream.buf = data;
  stream.len = length;
  grk_decompress_core_params parameters;
  memset(&parameters, 0, sizeof parameters);
  grk_decompress_set_default_params(&parameters);
  grk_codec *codec = grk_decompress_init(&stream, &parameters);
  grk_header_info header;
  memset(&header, 0, sizeof header);
  long long sum = -1;
  if (codec != NULL && grk_decompress_read_header(codec, &header) && grk_decompress(codec, NULL)) {
    const grk_image *image = grk_decompress_get_composited_image(codec);
    sum = 0;
    for (uint16_t c = 0; c < image->numcomps; c++) {
      const grk_image_comp *comp = &image->comps[c];
      for (uint32_t y = 0; y < comp->h; y++)
        for (uint32_t x = 0; x < comp->w; x++) sum += comp->data[(size_t)y * comp->stride + x];
    }
  }
  if (codec != NULL) grk_object_unref(codec);
  return sum;
}
#else
static const char *library(void) { return "openjpeg"; }
static const char *library_version(void) { return opj_version(); }
static void start(int threads) { (void)threads; }

typedef struct {
  const uint8_t *data;
  size_t length, offset;
} memory;

static OPJ_SIZE_T read_memory(void *buffer, OPJ_SIZE_T count, void *user) {
  memory *m = user;
  if (m->offset >= m->length) return (OPJ_SIZE_T)-1;
  size_t n = m->length - m->offset < count ? m->length - m->offset : count;
  memcpy(buffer, m->data + m->offset, n);
  m->offset += n;
  return n;
}

static OPJ_OFF_T skip_memory(OPJ_OFF_T count, void *user) {
  memory *m = user;
  if (count > (OPJ_OFF_T)(m->length - m->offset)) count = (OPJ_OFF_T)(m->length - m->offset);
  if (count < -(OPJ_OFF_T)m->offset) count = -(OPJ_OFF_T)m->offset;
  m->offset += count;
  return count;
}

static OPJ_BOOL seek_memory(OPJ_OFF_T position, void *user) {
  memory *m = user;
  if (position < 0 || (size_t)position > m->length) return OPJ_FALSE;
  m->offset = (size_t)position;
  return OPJ_TRUE;
}

/* The steps of jobs/ts/dicom/codecs/native/openjpeg-addon.c, without Node. */
static long long decode_sum(uint8_t *data, size_t length, int threads) {
  memory source = {data, length, 0};
  opj_codec_t *codec = opj_create_decompress(OPJ_CODEC_J2K);
  opj_stream_t *stream = opj_stream_create(1 << 20, OPJ_TRUE);
  opj_stream_set_user_data(stream, &source, NULL);
  opj_stream_set_user_data_length(stream, length);
  opj_stream_set_read_function(stream, read_memory);
  opj_stream_set_skip_function(stream, skip_memory);
  opj_stream_set_seek_function(stream, seek_memory);
  opj_set_error_handler(codec, report, NULL);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  opj_image_t *image = NULL;
  long long sum = -1;
  if (opj_setup_decoder(codec, &parameters)) {
    opj_decoder_set_strict_mode(codec, OPJ_TRUE);
    if (threads > 1) opj_codec_set_threads(codec, threads);
    if (opj_read_header(stream, codec, &image) && opj_decode(codec, stream, image) &&
        opj_end_decompress(codec, stream)) {
      sum = 0;
      for (OPJ_UINT32 c = 0; c < image->numcomps; c++) {
        const opj_image_comp_t *comp = &image->comps[c];
        for (size_t p = 0; p < (size_t)comp->w * comp->h; p++) sum += comp->data[p];
      }
    }
  }
  if (image != NULL) opj_image_destroy(image);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  return sum;
}
#endif

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s THREADS REPEATS FILE...\n", argv[0]);
    return 2;
  }
  const int threads = atoi(argv[1]), repeats = atoi(argv[2]);
  if (threads < 1 || repeats < 1 || repeats > 100) {
    fprintf(stderr, "THREADS must be at least 1 and REPEATS 1..100\n");
    return 2;
  }
  start(threads);
  for (int a = 3; a < argc; a++) {
    FILE *file = fopen(argv[a], "rb");
    if (file == NULL) {
      perror(argv[a]);
      return 1;
    }
    fseek(file, 0, SEEK_END);
    const size_t length = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *data = malloc(length);
    if (data == NULL || fread(data, 1, length, file) != length) {
      fprintf(stderr, "%s: could not read it\n", argv[a]);
      return 1;
    }
    fclose(file);
    double cpu[100], wall[100];
    long long sum = 0;
    for (int r = 0; r < repeats; r++) {
      const double cpu0 = cpu_seconds(), wall0 = wall_seconds();
      sum = decode_sum(data, length, threads);
      cpu[r] = cpu_seconds() - cpu0;
      wall[r] = wall_seconds() - wall0;
      if (sum < 0) {
        fprintf(stderr, "%s: %s could not decode it\n", argv[a], library());
        return 1;
      }
    }
    printf("%-9s %-8s threads %d  CPU s %.3f  wall s %.3f  sum %lld  %s\n", library(), library_version(), threads,
           median(cpu, repeats), median(wall, repeats), sum, argv[a]);
    free(data);
  }
  return 0;
}
