// worker_threads entry of the decode pool: one task at a time, answered on the same port.
import { parentPort } from "node:worker_threads";
import { type DecodeTask, decodeOne } from "./decode-one.ts";

parentPort?.on("message", async (message: { id: number; task: DecodeTask }) => {
  const outcome = await decodeOne(message.task);
  parentPort?.postMessage({ id: message.id, outcome });
});
