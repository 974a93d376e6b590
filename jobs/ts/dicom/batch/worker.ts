// worker_threads entry of the decode pool: one task at a time, answered on the same port. It
// decodes and renders only; the 8-bit pixels move (transferred, not copied) to the main thread,
// which encodes and writes the PNG while this thread decodes its next file.
import { parentPort } from "node:worker_threads";
import { type DecodeTask, renderOne } from "./decode-one.ts";

parentPort?.on("message", async (message: { id: number; task: DecodeTask }) => {
  const rendered = await renderOne(message.task);
  parentPort?.postMessage({ id: message.id, rendered }, rendered.ok ? [rendered.pixels.buffer as ArrayBuffer] : []);
});
