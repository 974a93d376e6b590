import { spawn } from "node:child_process";
import { writeSync } from "node:fs";
import { open, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import { writeFileAtomic } from "../../../jobs/contract/files.ts";
import { progressOfLine, type StageProgress } from "../../../jobs/contract/progress.ts";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import { StageResult } from "../../../jobs/contract/result.ts";
import { reusedFromText } from "../../../jobs/contract/result-cache.ts";
import { checkReuse, FORCE_RUN_ENV } from "../../../jobs/contract/reuse.ts";
import { stageEntryPoint } from "../../../jobs/contract/stages.ts";
import { stageRequests } from "../../pipeline/request.ts";
import { attemptLogName, nextAttempt } from "./attempt-log.ts";
import { describeExit } from "./exit-status.ts";
import type { LocalStep } from "./local-plan.ts";
import { type Hold, holdLine, holdOf } from "./suspension.ts";

export interface LocalExecutorOptions {
  /** Absolute storage root; every request path is relative to it. */
  storageRoot: string;
  /** Repository (or image) root holding bin/mammoflow.js, the TypeScript stage entry. */
  appRoot: string;
  /** Python interpreter with mammoflow_jobs installed. */
  python: string;
  log: (line: string) => void;
  /** Shows a running stage's progress events (a bar on a terminal, periodic lines elsewhere). */
  progress?: ProgressDisplay;
  /** Stages run whatever result stands for them (`--force`), as `Kind/name/stage-id` (forced.ts). */
  force?: ReadonlySet<string>;
  /** Told of each resource spec.suspend keeps from starting, itself or behind what it needs (suspension.ts). */
  onHold?: (hold: Hold) => void;
}

/** Where a running stage's progress goes: started with the stage, stopped before its outcome is logged. */
export interface ProgressDisplay {
  start(label: string): void;
  update(event: StageProgress): void;
  stop(): void;
}

export interface StageRun {
  resource: string;
  stage: string;
  shard?: string;
  /** cached: its own result stands; reused: the same work's result was copied from another stage folder. */
  outcome: "ran" | "cached" | "reused";
  /** Where a reused result came from, e.g. `reused from Submission/demo/predict/0`. */
  reusedFrom?: string;
  /** Absolute folder of the stage's (or shard's) request and result. */
  folder: string;
  seconds: number;
  result: StageResult;
}

export class LocalStageError extends Error {
  override name = "LocalStageError";
}

const REQUEST_FILE = "request.json";
const RESULT_FILE = "result.json";

/** The process that runs a stage: the same entry points as the stage images (DESIGN.md §4). */
function commandOf(request: StageRequest, requestFile: string, options: LocalExecutorOptions): [string, string[]] {
  const entry = stageEntryPoint(request.stage);
  const args = [...entry.args, "--request", requestFile, "--storage-root", options.storageRoot];
  // `mammoflow` is the repository's bin/mammoflow.js here, the image's command on PATH in a pod.
  return entry.program === "mammoflow"
    ? [process.execPath, [path.join(options.appRoot, "bin/mammoflow.js"), ...args]]
    : [options.python, args];
}

async function completedResult(folder: string, digest: string): Promise<StageResult | undefined> {
  try {
    const parsed = StageResult.safeParse(JSON.parse(await readFile(path.join(folder, RESULT_FILE), "utf8")));
    if (parsed.success && parsed.data.outcome === "Succeeded" && parsed.data.requestDigest === digest)
      return parsed.data;
  } catch {
    // No result yet.
  }
  return undefined;
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** How a stage process ended: its exit code, or the signal that killed it. */
interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the stage with its stdout and stderr written to this attempt's log file; the stderr lines
 * also go through `onLine` on the way (the progress events the runner shows live).
 */
async function runProcess(
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<ProcessEnd> {
  const log = await open(logFile, "a");
  try {
    await log.write(`\n$ ${[command, ...args].join(" ")}\n`);
    return await new Promise<ProcessEnd>((resolve, reject) => {
      const child = spawn(command, args, { stdio: ["ignore", log.fd, "pipe"], env });
      child.on("error", reject);
      // The pipe's last bytes arrive before "close" (not always before "exit").
      child.on("close", (code, signal) => resolve({ code, signal }));
      let partial = "";
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        writeSync(log.fd, chunk);
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    });
  } finally {
    await log.close();
  }
}

/** Whether a result stands for every stage of a step, none of them forced (a finished resource stays finished). */
async function standsWhole(step: LocalStep, options: LocalExecutorOptions): Promise<boolean> {
  const resource = `${step.resource.kind}/${step.resource.name}`;
  for (const plan of step.stages) {
    if (options.force?.has(`${resource}/${plan.id}`)) return false;
    for (const request of stageRequests(step.resource, plan)) {
      // An input an earlier stage would make is missing, so nothing stands for this stage.
      // Read-only, and only the folder's own result: a held resource gets nothing copied into it.
      const check = await checkReuse(options.storageRoot, request, sha256Hex(canonicalJson(request)), {
        readOnly: true,
      }).catch(() => undefined);
      if (!check?.result || check.source !== "own") return false;
    }
  }
  return true;
}

/**
 * Runs planned steps as child processes, in order, each shard after the other. A stage for which
 * a result stands by the reuse rule (its own for the same request and input content, or the same
 * work's from another resource) is not run, unless forced; a failure stops the run with the
 * stage, the request file and the end of its log.
 */
export async function executeLocalRun(steps: readonly LocalStep[], options: LocalExecutorOptions): Promise<StageRun[]> {
  const runs: StageRun[] = [];
  const total = steps.filter((s) => s.execute).reduce((n, s) => n + s.stages.length, 0);
  let index = 0;
  const held = new Map<string, Hold>();
  for (const step of steps) {
    const resource = `${step.resource.kind}/${step.resource.name}`;
    // spec.suspend: a held resource starts nothing and what needs it waits; one that finished stays finished.
    const finished = step.suspend === true && (await standsWhole(step, options));
    const hold = holdOf(
      { resource, origin: step.origin, suspend: step.suspend === true, needs: step.needs ?? [] },
      held,
      finished,
    );
    if (hold) {
      held.set(resource, hold);
      if (step.execute) index += step.stages.length;
      options.log(holdLine(hold));
      options.onHold?.(hold);
      continue;
    }
    for (const plan of step.stages) {
      if (step.execute) index += 1;
      const requests = stageRequests(step.resource, plan);
      for (const request of requests) {
        const shard = request.shard ? `shard ${request.shard.index + 1}/${request.shard.count}` : undefined;
        const label = `${resource} ${plan.id}${shard ? ` (${shard})` : ""}`;
        const text = canonicalJson(request);
        const folder = path.join(options.storageRoot, request.outputDir);
        const requestFile = path.join(folder, REQUEST_FILE);
        const started = Date.now();
        // The one reuse rule (jobs/contract/reuse.ts), asked here so a reusable stage starts no process.
        const forced = options.force?.has(`${resource}/${plan.id}`) ?? false;
        const check = await checkReuse(options.storageRoot, request, sha256Hex(text), { force: forced });
        if (check.result) {
          const copied = check.source === "cache" ? check.result.reusedFrom : undefined;
          const from = copied && reusedFromText(copied);
          if (step.execute) options.log(`[${index}/${total}] ${label}: ${from ?? "already done"}`);
          const outcome = from ? "reused" : "cached";
          const reused = from ? { reusedFrom: from } : {};
          runs.push({ resource, stage: plan.id, shard, outcome, ...reused, seconds: 0, folder, result: check.result });
          continue;
        }
        if (!step.execute) {
          throw new LocalStageError(
            `${label} has not run with these settings (no matching ${path.join(folder, RESULT_FILE)}); run ${resource} first (without --only)`,
          );
        }
        // Each attempt its own log: a retry's excerpt is not mixed with the attempt before it.
        const attempt = nextAttempt(await readdir(folder).catch(() => []));
        const logFile = path.join(folder, attemptLogName(attempt));
        const why = check.why && check.why !== "no result yet" ? ` (${check.why})` : "";
        options.log(`[${index}/${total}] ${label}: running${why}, log ${logFile}`);
        await writeFileAtomic(requestFile, text);
        const [command, args] = commandOf(request, requestFile, options);
        const showProgress = (line: string) => {
          const event = progressOfLine(line);
          if (event) options.progress?.update(event);
        };
        options.progress?.start(`[${index}/${total}] ${label}`);
        const end = await runProcess(
          command,
          args,
          logFile,
          {
            ...process.env,
            MAMMOFLOW_STORAGE_ROOT: options.storageRoot,
            // The stage process applies the rule too (as in a pod); a forced stage must not reuse.
            [FORCE_RUN_ENV]: forced ? "1" : "",
            // Inputs may reach the installation's assets/ through the links `--link-assets` makes
            // (docs/decisions/0006-input-links-stay-in-the-storage-root.md); a user's own roots stay.
            MAMMOFLOW_READ_ONLY_ROOTS: [process.env.MAMMOFLOW_READ_ONLY_ROOTS, path.join(options.appRoot, "assets")]
              .filter((entry) => entry !== undefined && entry !== "")
              .join(":"),
          },
          showProgress,
        ).finally(() => options.progress?.stop());
        const result = await completedResult(folder, sha256Hex(text));
        if (end.code !== 0 || !result) {
          throw new LocalStageError(
            [
              `stage ${plan.stage} of ${resource}${shard ? ` (${shard})` : ""} failed (${describeExit(end.code, end.signal)})`,
              `  request: ${requestFile}`,
              `  log:     ${logFile}`,
              "  end of the log:",
              ...(await tail(logFile, 12)).split("\n").map((l) => `    ${l}`),
            ].join("\n"),
          );
        }
        const seconds = (Date.now() - started) / 1000;
        options.log(`[${index}/${total}] ${label}: done in ${seconds.toFixed(1)} s`);
        runs.push({ resource, stage: plan.id, shard, outcome: "ran", seconds, folder, result });
      }
    }
  }
  return runs;
}
