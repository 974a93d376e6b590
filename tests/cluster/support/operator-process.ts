import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface OperatorProcess {
  pid: number;
  logFile: string;
  /** SIGTERM (graceful) or SIGKILL (crash); resolves with the exit code once it exited. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  exited: Promise<number | null>;
  logs: () => string;
  /** "running", or how it ended (for failure messages). */
  state: () => string;
}

/**
 * Runs the real operator (`mammoflow operator`) as its own process against the test cluster,
 * watching one namespace; short lease timings so take-over tests stay quick.
 */
export function startOperatorProcess(options: {
  kubeconfig: string;
  namespace: string;
  config?: Record<string, unknown>;
  /** Options of the operator's node process (e.g. --heapsnapshot-signal=SIGUSR2 for a benchmark). */
  nodeArgs?: string[];
}): OperatorProcess {
  const dir = mkdtempSync(path.join(tmpdir(), "mammoflow-operator-"));
  const configFile = path.join(dir, "config.yaml");
  writeFileSync(
    configFile,
    stringify({
      logLevel: "debug",
      ...options.config,
      operator: {
        metricsPort: 0,
        healthPort: 0,
        leaseDurationSeconds: 4,
        renewDeadlineSeconds: 3,
        retryPeriodSeconds: 1,
        resyncSeconds: 30,
        // The simulated nodes run no check-inputs pod (its termination message would be the
        // test's to write): the preflight is the business of the tests that turn it on
        // (input-preflight-real-pods.test.ts, on the real node).
        inputPreflight: false,
        ...(options.config?.operator as Record<string, unknown> | undefined),
      },
    }),
  );
  const logFile = path.join(dir, "operator.log");
  const log = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      path.join(REPO_ROOT, "bin/mammoflow.js"),
      "operator",
      "--kubeconfig",
      options.kubeconfig,
      "--namespace",
      options.namespace,
    ],
    { stdio: ["ignore", log, log], env: { ...process.env, MAMMOFLOW_CONFIG: configFile } },
  );
  if (child.pid === undefined) throw new Error("could not start the operator");
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    pid: child.pid,
    logFile,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    logs: () => readFileSync(logFile, "utf8"),
    state: () => {
      if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
      return child.signalCode !== null ? `killed by ${child.signalCode}` : "running";
    },
  };
}

/** The operator's identity (hostname-pid-random) from its "became leader" log line, if any. */
export function leaderIdentity(operator: OperatorProcess): string | undefined {
  for (const line of operator.logs().split("\n")) {
    if (!line.includes('"became leader"')) continue;
    return (JSON.parse(line) as { identity?: string }).identity;
  }
  return undefined;
}
