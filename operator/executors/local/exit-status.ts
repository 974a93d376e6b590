import { constants } from "node:os";

/**
 * How a stage process ended, in words: a signal by its name with the exit status a shell (and a
 * pod's container status) would show, 128 + its number, so that "exit 137" in a pod and here read
 * the same. SIGKILL is what the kernel's out-of-memory killer sends, hence the question.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const number = constants.signals[signal] as number | undefined;
    const status = number === undefined ? "" : `exit ${128 + number}`;
    const hint = signal === "SIGKILL" ? "out of memory?" : "";
    const detail = [status, hint].filter(Boolean).join("; ");
    return `killed by ${signal}${detail ? ` (${detail})` : ""}`;
  }
  // A status above 128 from a process that was not itself signalled: a child of the stage was.
  const name = code !== null && code > 128 ? signalName(code - 128) : undefined;
  if (name) {
    const hint = name === "SIGKILL" ? "; out of memory?" : "";
    return `exit ${code} (128 + ${name}: a process of the stage was killed${hint})`;
  }
  return `exit ${code ?? "unknown"}`;
}

function signalName(number: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === number)?.[0];
}
