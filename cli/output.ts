import { CommanderError, Option } from "commander";

/** What a command prints its results as: text for people (the default), json or yaml for programs. */
export type OutputFormat = "text" | "json" | "yaml";

const FORMATS: readonly OutputFormat[] = ["text", "json", "yaml"];

/** The `-o, --output` option every result-printing command takes. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "print the results as text, json or yaml (stdout; logs stay on stderr)");
}

/**
 * The format named by `--output` (text when absent). An unknown one is a usage error of `command`
 * (exit 2, the message and where the usage is), raised before the command does any work.
 */
export function outputFormat(value: string | undefined, command: string): OutputFormat {
  if (value === undefined) return "text";
  if ((FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CommanderError(
    2,
    `mammoflow.${command}.usage`,
    `error: --output ${value} is not one of ${FORMATS.join(", ")}`,
  );
}

/**
 * Writes a command's results to stdout: `text()` for people, else `value` as one JSON document
 * (one line) or one YAML document. Numbers JSON cannot hold (NaN) become null in both machine
 * formats, so that a program reads the same value whichever it asked for.
 */
export async function printResult(format: OutputFormat, value: unknown, text: () => string): Promise<void> {
  if (format === "text") {
    process.stdout.write(text());
    return;
  }
  const plain = JSON.parse(JSON.stringify(value)) as unknown;
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(plain)}\n`);
    return;
  }
  // Loaded here: `--help` and the text form do not pay for the YAML library.
  const { stringify } = await import("yaml");
  process.stdout.write(stringify(plain));
}
