/*
 * mammoflow's optional native JPEG Lossless decoder (process 14, .57 and .70): a thin Node-API
 * binding to DCMTK's IJG decoders (libijg8/12/16 through libdcmjpeg), the same lossless patch of
 * the IJG library GDCM uses. It exists for speed only: jpeg-lossless-decoder-js takes about three
 * times as long for a 3000x2400 mammogram. The TypeScript side checks sizes and falls back to the
 * JS decoder when this file was not built. The same 12-bit build also decodes 12-bit lossy JPEG
 * (JPEG Extended, .51), which has no portable decoder here: without this file it is refused.
 *
 * decode(codestream: Uint8Array, precision: number, sampleCount: number, direct = true) -> Uint8Array
 * sampleCount samples, interleaved, one byte each when precision <= 8, else two (host order),
 * exactly as the JPEG stream holds them (no colour conversion). Throws an Error with DCMTK's
 * reason when the stream is broken or ends early. The common case of the mammograms (one
 * component, predictor 1, 9-16 bits) is decoded by jpeg-lossless-sv1.h, about three times as
 * fast, and every other stream by DCMTK; direct = false sends every stream to DCMTK.
 *
 * decodeDirect(codestream, precision, sampleCount) -> Uint8Array | undefined: jpeg-lossless-sv1.h
 * alone, undefined where it leaves the stream to DCMTK (the tests hold the two to each other).
 */
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmjpeg/djcparam.h"
#include "dcmtk/dcmjpeg/djdijg12.h"
#include "dcmtk/dcmjpeg/djdijg16.h"
#include "dcmtk/dcmjpeg/djdijg8.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/oflog/oflog.h"

#include <node_api.h>

#include "jpeg-lossless-sv1.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace {

napi_value Fail(napi_env env, const char *what, const char *why = nullptr) {
  char text[512];
  if (why != nullptr && why[0] != '\0') {
    std::snprintf(text, sizeof text, "%s: %s", what, why);
  } else {
    std::snprintf(text, sizeof text, "%s", what);
  }
  napi_throw_error(env, nullptr, text);
  return nullptr;
}

// Lossless only, never a colour conversion: the samples as coded, what pydicom returns.
const DJCodecParameter &Parameters() {
  static const DJCodecParameter parameters(ECC_lossyYCbCr, EDC_never, EUC_never, EPC_colorByPixel);
  return parameters;
}

// DCMTK picks its IJG build by the stream's precision the same way (DJCodecDecoder).
std::unique_ptr<DJDecoder> DecoderFor(int precision) {
  if (precision > 12) return std::unique_ptr<DJDecoder>(new DJDecompressIJG16Bit(Parameters(), OFFalse));
  if (precision > 8) return std::unique_ptr<DJDecoder>(new DJDecompressIJG12Bit(Parameters(), OFFalse));
  return std::unique_ptr<DJDecoder>(new DJDecompressIJG8Bit(Parameters(), OFFalse));
}

// The arguments both decode functions take, checked; false once an exception is pending.
struct Arguments {
  const Uint8 *data = nullptr;
  size_t length = 0;
  int32_t precision = 0;
  size_t byte_length = 0;
  size_t bytes_per_sample = 0;
  bool direct = true;
};

bool ReadArguments(napi_env env, napi_callback_info info, Arguments *args) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return Fail(env, "decode(codestream, precision, sampleCount) needs three arguments"), false;
  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  napi_typedarray_type type = napi_int8_array;
  void *data = nullptr;
  if (is_typed) napi_get_typedarray_info(env, argv[0], &type, &args->length, &data, nullptr, nullptr);
  if (!is_typed || type != napi_uint8_array) return Fail(env, "codestream must be a Uint8Array"), false;
  args->data = static_cast<const Uint8 *>(data);
  double sample_count = 0;
  if (napi_get_value_int32(env, argv[1], &args->precision) != napi_ok || args->precision < 2 || args->precision > 16) {
    return Fail(env, "precision must be an integer in 2..16"), false;
  }
  // At most 512 Mi samples (1 GiB): the DICOM side refuses frames over 512 MiB.
  if (napi_get_value_double(env, argv[2], &sample_count) != napi_ok || !(sample_count >= 1) ||
      sample_count > 536870912.0) {
    return Fail(env, "sampleCount must be a positive number of samples of at most 512 Mi"), false;
  }
  args->bytes_per_sample = args->precision > 8 ? 2 : 1;
  args->byte_length = static_cast<size_t>(sample_count) * args->bytes_per_sample;
  if (argc > 3) {
    napi_valuetype kind;
    napi_typeof(env, argv[3], &kind);
    if (kind != napi_undefined && napi_get_value_bool(env, argv[3], &args->direct) != napi_ok) {
      return Fail(env, "direct must be a boolean"), false;
    }
  }
  return true;
}

// jpeg-lossless-sv1.h into a new array: true with *samples set, or false where it is DCMTK's stream.
bool DecodeDirect(napi_env env, const Arguments &args, napi_value *samples) {
  if (args.bytes_per_sample != 2) return false;
  void *out_data = nullptr;
  napi_value out_buffer;
  if (napi_create_arraybuffer(env, args.byte_length, &out_data, &out_buffer) != napi_ok) return false;
  if (!sv1_decode(args.data, args.length, args.precision, args.byte_length / 2, static_cast<uint16_t *>(out_data))) {
    return false;
  }
  return napi_create_typedarray(env, napi_uint8_array, args.byte_length, out_buffer, 0, samples) == napi_ok;
}

napi_value Decode(napi_env env, napi_callback_info info) {
  Arguments args;
  if (!ReadArguments(env, info, &args)) return nullptr;
  napi_value samples;
  if (args.direct && DecodeDirect(env, args, &samples)) return samples;
  const size_t byte_length = args.byte_length;

  // The IJG source manager may patch its input; decode from a private copy.
  std::vector<Uint8> input(args.data, args.data + args.length);
  void *out_data = nullptr;
  napi_value out_buffer;
  if (napi_create_arraybuffer(env, byte_length, &out_data, &out_buffer) != napi_ok) {
    return Fail(env, "could not allocate the decoded image");
  }
  std::unique_ptr<DJDecoder> decoder = DecoderFor(args.precision);
  if (decoder->bytesPerSample() != args.bytes_per_sample) {
    return Fail(env, "DCMTK's decoder has an unexpected sample size");
  }
  OFCondition status = decoder->init();
  if (status.good()) {
    status = decoder->decode(input.data(), static_cast<Uint32>(input.size()), static_cast<Uint8 *>(out_data),
                             static_cast<Uint32>(byte_length), OFFalse);
  }
  if (status == EJ_Suspension) return Fail(env, "DCMTK's JPEG decoder ran out of data before the image was complete");
  if (status.bad()) return Fail(env, "DCMTK's JPEG decoder failed", status.text());
  if (napi_create_typedarray(env, napi_uint8_array, byte_length, out_buffer, 0, &samples) != napi_ok) {
    return Fail(env, "could not hand the decoded image to JavaScript");
  }
  return samples;
}

napi_value DecodeDirectOnly(napi_env env, napi_callback_info info) {
  Arguments args;
  if (!ReadArguments(env, info, &args)) return nullptr;
  napi_value samples;
  if (DecodeDirect(env, args, &samples)) return samples;
  napi_get_undefined(env, &samples);
  return samples;
}

napi_value Version(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_string_utf8(env, "DCMTK " OFFIS_DCMTK_VERSION_STRING, NAPI_AUTO_LENGTH, &v);
  return v;
}

}  // namespace

NAPI_MODULE_INIT() {
  // DCMTK logs its warnings to stderr; the TypeScript side reports failures itself. Each worker
  // thread loads the addon again: configure the process-wide logger once.
  static std::once_flag quiet_logs;
  std::call_once(quiet_logs, [] { OFLog::configure(OFLogger::FATAL_LOG_LEVEL); });
  napi_property_descriptor properties[] = {
      {"decode", nullptr, Decode, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeDirect", nullptr, DecodeDirectOnly, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
