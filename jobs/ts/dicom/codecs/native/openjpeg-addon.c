/*
 * mammoflow's optional native JPEG 2000 decoder: a thin Node-API binding to the system's
 * OpenJPEG (libopenjp2), the library GDCM and pylibjpeg-openjpeg use too. It exists for speed
 * only: the WASM build of the same library decodes a 3000x2400 mammogram about 1.4x slower per
 * core and cannot use threads. The TypeScript side checks sizes and falls back to WASM when this
 * file was not built.
 *
 * decode(codestream: Uint8Array, threads: number, expectedSamples: number) ->
 *   { width, height, componentCount, bitsPerSample, isSigned, samples: Uint8Array }
 * (the field names of the WASM codecs' frame info)
 * samples are interleaved, one byte per sample when precision <= 8, else two (little-endian
 * host order), values as OpenJPEG returns them. A codestream whose header does not hold exactly
 * expectedSamples samples is refused before anything is decoded (a mutated header must not make
 * it allocate gigabytes). Any failure throws an Error whose message is OpenJPEG's own last error
 * line.
 */
#include <node_api.h>
#include <openjpeg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest decoded image handed to JavaScript (the DICOM side refuses frames over 512 MiB). */
#define MAX_OUTPUT_BYTES ((size_t)1 << 30)

typedef struct {
  const uint8_t *data;
  size_t length;
  size_t offset;
} memory_stream;

static OPJ_SIZE_T stream_read(void *buffer, OPJ_SIZE_T count, void *user) {
  memory_stream *s = (memory_stream *)user;
  if (s->offset >= s->length) return (OPJ_SIZE_T)-1;
  size_t n = s->length - s->offset;
  if (n > count) n = count;
  memcpy(buffer, s->data + s->offset, n);
  s->offset += n;
  return n;
}

static OPJ_OFF_T stream_skip(OPJ_OFF_T count, void *user) {
  memory_stream *s = (memory_stream *)user;
  if (count < 0) {
    if ((size_t)(-count) > s->offset) count = -(OPJ_OFF_T)s->offset;
  } else if ((size_t)count > s->length - s->offset) {
    count = (OPJ_OFF_T)(s->length - s->offset);
  }
  s->offset += count;
  return count;
}

static OPJ_BOOL stream_seek(OPJ_OFF_T position, void *user) {
  memory_stream *s = (memory_stream *)user;
  if (position < 0 || (size_t)position > s->length) return OPJ_FALSE;
  s->offset = (size_t)position;
  return OPJ_TRUE;
}

typedef struct {
  char message[512];
} error_sink;

static void on_error(const char *msg, void *user) {
  error_sink *sink = (error_sink *)user;
  /* Keep the first error: later ones are usually consequences of it. */
  if (sink->message[0] != '\0') return;
  snprintf(sink->message, sizeof sink->message, "%s", msg);
  size_t n = strlen(sink->message);
  while (n > 0 && (sink->message[n - 1] == '\n' || sink->message[n - 1] == '\r')) sink->message[--n] = '\0';
}

static void quiet(const char *msg, void *user) {
  (void)msg;
  (void)user;
}

static napi_value throw_error(napi_env env, const char *what, const error_sink *sink) {
  char text[640];
  if (sink != NULL && sink->message[0] != '\0') {
    snprintf(text, sizeof text, "%s: %s", what, sink->message);
  } else {
    snprintf(text, sizeof text, "%s", what);
  }
  napi_throw_error(env, NULL, text);
  return NULL;
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

/* Interleaves the decoded component planes into 8- or 16-bit samples. */
static void pack_samples(const opj_image_t *image, uint8_t *out, int bytes_per_sample) {
  const size_t pixels = (size_t)image->comps[0].w * image->comps[0].h;
  const OPJ_UINT32 components = image->numcomps;
  for (OPJ_UINT32 c = 0; c < components; c++) {
    const OPJ_INT32 *plane = image->comps[c].data;
    if (bytes_per_sample == 1) {
      for (size_t p = 0; p < pixels; p++) out[p * components + c] = (uint8_t)plane[p];
    } else {
      uint16_t *out16 = (uint16_t *)out;
      for (size_t p = 0; p < pixels; p++) out16[p * components + c] = (uint16_t)plane[p];
    }
  }
}

static const char *check_image(const opj_image_t *image) {
  if (image->numcomps < 1) return "the codestream has no components";
  const opj_image_comp_t *first = &image->comps[0];
  for (OPJ_UINT32 c = 0; c < image->numcomps; c++) {
    const opj_image_comp_t *comp = &image->comps[c];
    if (comp->data == NULL) return "OpenJPEG returned a component without data";
    if (comp->dx != 1 || comp->dy != 1) return "subsampled JPEG 2000 components are not supported";
    if (comp->w != first->w || comp->h != first->h) return "JPEG 2000 components differ in size";
    if (comp->prec != first->prec || comp->sgnd != first->sgnd) return "JPEG 2000 components differ in precision";
  }
  if (first->prec < 1 || first->prec > 16) return "JPEG 2000 precision outside 1..16 bits";
  return NULL;
}

static napi_value decode(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_error(env, "decode(codestream, threads, expectedSamples) needs three arguments", NULL);

  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed) return throw_error(env, "codestream must be a Uint8Array", NULL);
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value arraybuffer;
  size_t byte_offset;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, &arraybuffer, &byte_offset);
  if (type != napi_uint8_array) return throw_error(env, "codestream must be a Uint8Array", NULL);
  int32_t threads = 1;
  napi_get_value_int32(env, argv[1], &threads);
  if (threads < 1) threads = 1;
  double expected_samples = 0;
  if (napi_get_value_double(env, argv[2], &expected_samples) != napi_ok || !(expected_samples >= 1) ||
      expected_samples * 2 > (double)MAX_OUTPUT_BYTES) {
    return throw_error(env, "expectedSamples must be a positive number of samples of at most 512 Mi", NULL);
  }

  error_sink sink = {{0}};
  memory_stream source = {(const uint8_t *)data, length, 0};
  opj_codec_t *codec = opj_create_decompress(OPJ_CODEC_J2K);
  opj_stream_t *stream = opj_stream_create(1 << 20, OPJ_TRUE);
  opj_image_t *image = NULL;
  napi_value result = NULL;
  if (codec == NULL || stream == NULL) {
    throw_error(env, "OpenJPEG could not create a decoder", NULL);
    goto done;
  }
  opj_stream_set_user_data(stream, &source, NULL);
  opj_stream_set_user_data_length(stream, length);
  opj_stream_set_read_function(stream, stream_read);
  opj_stream_set_skip_function(stream, stream_skip);
  opj_stream_set_seek_function(stream, stream_seek);
  opj_set_error_handler(codec, on_error, &sink);
  opj_set_warning_handler(codec, quiet, NULL);
  opj_set_info_handler(codec, quiet, NULL);

  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec, &parameters)) {
    throw_error(env, "OpenJPEG rejected the decoder parameters", &sink);
    goto done;
  }
  /* Strict: a truncated codestream is an error, never a partly decoded picture. */
  opj_decoder_set_strict_mode(codec, OPJ_TRUE);
  if (threads > 1 && opj_has_thread_support()) opj_codec_set_threads(codec, threads);
  if (!opj_read_header(stream, codec, &image)) {
    throw_error(env, "OpenJPEG could not read the codestream header", &sink);
    goto done;
  }
  {
    /* Components at full resolution, as the header declares them, before any allocation. */
    double declared = 0;
    for (OPJ_UINT32 c = 0; c < image->numcomps; c++) {
      const opj_image_comp_t *comp = &image->comps[c];
      if (comp->dx == 0 || comp->dy == 0) break;
      declared += (double)((image->x1 - image->x0 + comp->dx - 1) / comp->dx) *
                  (double)((image->y1 - image->y0 + comp->dy - 1) / comp->dy);
    }
    if (declared != expected_samples) {
      char text[160];
      snprintf(text, sizeof text, "the codestream header declares %.0f samples, the image needs %.0f", declared,
               expected_samples);
      throw_error(env, text, NULL);
      goto done;
    }
  }
  if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
    throw_error(env, "OpenJPEG could not decode the codestream", &sink);
    goto done;
  }
  const char *problem = check_image(image);
  if (problem != NULL) {
    throw_error(env, problem, NULL);
    goto done;
  }

  const opj_image_comp_t *first = &image->comps[0];
  const int bytes_per_sample = first->prec > 8 ? 2 : 1;
  const size_t byte_length = (size_t)first->w * first->h * image->numcomps * bytes_per_sample;
  if (byte_length > MAX_OUTPUT_BYTES) {
    throw_error(env, "the decoded image is larger than 1 GiB", NULL);
    goto done;
  }
  void *out_data;
  napi_value out_buffer, samples;
  if (napi_create_arraybuffer(env, byte_length, &out_data, &out_buffer) != napi_ok) {
    throw_error(env, "could not allocate the decoded image", NULL);
    goto done;
  }
  pack_samples(image, (uint8_t *)out_data, bytes_per_sample);
  if (napi_create_typedarray(env, napi_uint8_array, byte_length, out_buffer, 0, &samples) != napi_ok) {
    throw_error(env, "could not hand the decoded image to JavaScript", NULL);
    goto done;
  }

  napi_create_object(env, &result);
  set_number(env, result, "width", first->w);
  set_number(env, result, "height", first->h);
  set_number(env, result, "componentCount", image->numcomps);
  set_number(env, result, "bitsPerSample", first->prec);
  napi_value is_signed;
  napi_get_boolean(env, first->sgnd != 0, &is_signed);
  napi_set_named_property(env, result, "isSigned", is_signed);
  napi_set_named_property(env, result, "samples", samples);

done:
  if (image != NULL) opj_image_destroy(image);
  if (stream != NULL) opj_stream_destroy(stream);
  if (codec != NULL) opj_destroy_codec(codec);
  return result;
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, opj_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"decode", NULL, decode, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
