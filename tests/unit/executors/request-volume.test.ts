import { describe, expect, it } from "vitest";
import {
  INLINE_REQUEST_LIMIT_BYTES,
  requestAnnotations,
  requestCarrier,
  requestVolume,
} from "../../../operator/executors/kubernetes/request-volume.ts";

/** Request files of `sizes` bytes each (one byte per character). */
const filesOf = (...sizes: number[]) =>
  Object.fromEntries(sizes.map((size, i) => [`request-${i}.json`, "x".repeat(size)]));

describe("how a stage's request reaches its pods", () => {
  it("travels in the Job up to 32 KiB of request files in all, in a ConfigMap from one byte more", () => {
    expect(INLINE_REQUEST_LIMIT_BYTES).toBe(32_768);
    expect(requestCarrier(filesOf(32_768))).toBe("annotations");
    expect(requestCarrier(filesOf(32_769))).toBe("configMap");
    // All shards' files count: every pod of an Indexed Job carries every shard's annotation.
    expect(requestCarrier(filesOf(8_192, 8_192, 8_192, 8_192))).toBe("annotations");
    expect(requestCarrier(filesOf(8_192, 8_192, 8_192, 8_193))).toBe("configMap");
  });

  it("counts bytes, not characters", () => {
    // "é" is two bytes in UTF-8: 16,384 of them are 32 KiB, one more is over.
    expect(requestCarrier({ "request.json": "é".repeat(16_384) })).toBe("annotations");
    expect(requestCarrier({ "request.json": "é".repeat(16_385) })).toBe("configMap");
  });

  it("mounts each file from its pod-template annotation through a downwardAPI volume", () => {
    const files = { "request-0.json": '{"a":0}', "request-1.json": '{"a":1}' };
    expect(requestAnnotations(files)).toEqual({
      "request.mammoflow.io/request-0.json": '{"a":0}',
      "request.mammoflow.io/request-1.json": '{"a":1}',
    });
    expect(requestVolume(files, "cm")).toEqual({
      name: "request",
      downwardAPI: {
        items: [
          {
            path: "request-0.json",
            fieldRef: { fieldPath: "metadata.annotations['request.mammoflow.io/request-0.json']" },
          },
          {
            path: "request-1.json",
            fieldRef: { fieldPath: "metadata.annotations['request.mammoflow.io/request-1.json']" },
          },
        ],
      },
    });
  });

  it("mounts the named ConfigMap for a request over the limit", () => {
    expect(requestVolume(filesOf(32_769), "cm")).toEqual({ name: "request", configMap: { name: "cm" } });
  });
});
