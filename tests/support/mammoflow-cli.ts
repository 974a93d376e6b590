// The tests' one runner of the `mammoflow` command: bin/mammoflow.js (the compiled build, which
// tests/support/build-js.ts brings up to date before any test) as a child process. It resolves
// with the exit code and both outputs and never throws on a non-zero exit, so that a test asserts
// the code, and the words of a refusal, itself.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
/** Generous: a whole run's progress lines, or `-o json` of a reproduction. */
const MAX_OUTPUT = 1 << 26;

export interface CliResult {
  /** The exit code (null when a signal ended the process). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** The working folder (the repository's root by default). */
  cwd?: string;
  /** The checkout whose bin/mammoflow.js runs (this repository by default; a copy's, for instance). */
  root?: string;
  /**
   * Runs the command under a pseudo-terminal (util-linux `script`), as a person's shell would:
   * what it writes for a terminal then comes back in stdout, stderr merged into it.
   */
  terminal?: boolean;
}

/** `mammoflow ARGS…` from the repository's root. */
export const mammoflow = (...args: string[]): Promise<CliResult> => runMammoflow(args);

export async function runMammoflow(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const command = ["node", path.join(options.root ?? REPO_ROOT, "bin/mammoflow.js"), ...args];
  const [program, ...programArgs] = options.terminal
    ? ["script", "-qfec", command.map(shellWord).join(" "), "/dev/null"]
    : command;
  try {
    const { stdout, stderr } = await execFileAsync(program as string, programArgs, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      maxBuffer: MAX_OUTPUT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number | null; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** One word for `script -c`'s shell: single-quoted unless it is plain. */
const shellWord = (word: string) => (/^[\w./=:@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
