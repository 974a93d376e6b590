import { type Logger, pino } from "pino";

export type { Logger };

/**
 * The one logger of the CLI and the operator: JSON lines on stderr (stdout stays free for
 * command output), a `component` field per subsystem.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    { level, base: { app: "mammoflow" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination as pino.DestinationStream,
  );
}
