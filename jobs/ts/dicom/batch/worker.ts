// worker_threads entry of the decode pool: one task at a time, answered on the same port. It
// decodes, renders and encodes the PNG; the PNG's bytes move (transferred, not copied) to the main
// thread, which writes the file while this thread decodes its next one.
import { parentPort } from "node:worker_threads";
import { announcePoolSize } from "../../platform/pool-size.ts";
import { retainImageBuffers } from "../codecs/native-pixels.ts";
import { type DecodeTask, encodeOne } from "./decode-one.ts";

retainImageBuffers();

parentPort?.on("message", async (message: { id: number; task: DecodeTask; poolSize: number }) => {
  announcePoolSize(message.poolSize);
  const encoded = await encodeOne(message.task);
  // A PNG of a few KB may sit in Buffer's shared pool, which must not move: it is copied instead.
  const own = encoded.ok && encoded.png.byteLength === encoded.png.buffer.byteLength;
  parentPort?.postMessage({ id: message.id, encoded }, own ? [encoded.png.buffer as ArrayBuffer] : []);
});
