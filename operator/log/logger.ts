import { type Logger, pino } from "pino";

export type { Logger };

/**
 * The one logger of the CLI and the operator: JSON lines on stderr (stdout stays free for
 * command output), a `component` field per subsystem. Levels are written as names ("info",
 * "warn"), as Go operators' zap/klog JSON does, so log queries need no table of pino's numbers.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { app: "mammoflow" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream,
  );
}
