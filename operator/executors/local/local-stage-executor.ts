import { readdir } from "node:fs/promises";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import { writeFileAtomic } from "../../../jobs/contract/files.ts";
import { progressOfLine } from "../../../jobs/contract/progress.ts";
import { RESULT_FILE, type StageResult } from "../../../jobs/contract/result.ts";
import { reusedFromText } from "../../../jobs/contract/result-cache.ts";
import { checkReuse, FORCE_RUN_ENV } from "../../../jobs/contract/reuse.ts";
import { compactResult } from "../../../jobs/contract/termination.ts";
import type { StageExecutor } from "../../loop/executor.ts";
import type { CompactResult, StageObservation } from "../../pipeline/observation.ts";
import { stageRequests } from "../../pipeline/request.ts";
import { stageDigest } from "../../pipeline/request-digest.ts";
import { attemptLogName, nextAttempt } from "./attempt-log.ts";
import { describeExit } from "./exit-status.ts";
import type { LocalStep } from "./local-plan.ts";
import { type LocalExecutorOptions, LocalStageError, type StageRun } from "./local-run-options.ts";
import { commandOf, REQUEST_FILE, resultFor, runProcess, tail } from "./stage-process.ts";

/** What the executors of one local run share: its options, the `[i/n]` count of its lines, what ran. */
export interface LocalRunState {
  options: LocalExecutorOptions;
  /** Stages the run executes (`--only`'s dependencies are checked, not counted). */
  total: number;
  /** Stages begun so far, the `i` of `[i/n]`. */
  index: number;
  runs: StageRun[];
}

/** The loop's executor on this machine, for one resource. */
export interface LocalStageExecutor extends StageExecutor {
  /** The words a failed stage ends the run with: the stage, its request file and the end of its log. */
  failure(): string | undefined;
}

/**
 * A result as a pod prints it in its termination message, what a cluster's observation holds:
 * `reused` when it stood for the request (the reuse rule) instead of being made by a process.
 */
const compactOf = (result: StageResult, reused: boolean): CompactResult =>
  JSON.parse(compactResult(result, Number.POSITIVE_INFINITY, reused)) as CompactResult;

/**
 * The loop's executor on this machine (operator/loop/executor.ts): a stage starts as one child
 * process per shard, one after another, with the same entry points as the stage images, and its
 * start returns when they ended, with the observation a cluster would make of its finished Job
 * (the results as termination messages). A shard for which a result stands by the reuse rule
 * (its own for the same request and input content, or the same work's from another resource) is
 * not run, unless forced. A stage of a resource the run does not execute (`--only`'s
 * dependencies) must have results: without, the run stops there (LocalStageError).
 */
export function localStageExecutor(step: LocalStep, run: LocalRunState): LocalStageExecutor {
  const { options } = run;
  const resource = `${step.resource.kind}/${step.resource.name}`;
  const observations: Record<string, StageObservation> = {};
  let failure: string | undefined;
  return {
    failure: () => failure,
    // Nothing runs between passes: a stage is what its start returned.
    observe: async (plans) => ({
      observations: Object.fromEntries(plans.map((plan) => [plan.id, observations[plan.id]])),
    }),
    async start(plan) {
      if (step.execute) run.index += 1;
      const startedAt = new Date().toISOString();
      const results: StageObservation["results"] = [];
      let attempts = 0;
      const observed = (end: Partial<StageObservation> & Pick<StageObservation, "phase">): StageObservation => {
        const observation = {
          shardsSucceeded: results.filter((r) => r.result.outcome === "Succeeded").length,
          attempts,
          requestDigest: stageDigest(plan),
          startedAt,
          finishedAt: new Date().toISOString(),
          results,
          ...end,
        };
        observations[plan.id] = observation;
        return observation;
      };
      for (const request of stageRequests(step.resource, plan)) {
        const shard = request.shard ? `shard ${request.shard.index + 1}/${request.shard.count}` : undefined;
        const at = request.shard ? { shard: request.shard.index } : {};
        const label = `${resource} ${plan.id}${shard ? ` (${shard})` : ""}`;
        const counted = `[${run.index}/${run.total}] ${label}`;
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
          if (step.execute) options.log(`${counted}: ${from ?? "already done"}`);
          const outcome = from ? "reused" : "cached";
          const reused = from ? { reusedFrom: from } : {};
          run.runs.push({
            resource,
            stage: plan.id,
            shard,
            outcome,
            ...reused,
            seconds: 0,
            folder,
            result: check.result,
          });
          results.push({ ...at, result: compactOf(check.result, true) });
          continue;
        }
        if (!step.execute) {
          throw new LocalStageError(
            `${label} has not run with these settings (no matching ${path.join(folder, RESULT_FILE)}); run ${resource} first (without --only)`,
          );
        }
        // Each attempt its own log: a retry's excerpt is not mixed with the attempt before it.
        const attempt = nextAttempt(await readdir(folder).catch(() => []));
        attempts += attempt - 1;
        const logFile = path.join(folder, attemptLogName(attempt));
        const why = check.why && check.why !== "no result yet" ? ` (${check.why})` : "";
        options.log(`${counted}: running${why}, log ${logFile}`);
        await writeFileAtomic(requestFile, text);
        const [command, args] = commandOf(request, requestFile, options);
        const showProgress = (line: string) => {
          const event = progressOfLine(line);
          if (event) options.progress?.update(event);
        };
        options.progress?.start(counted);
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
        // Only this attempt's result: an earlier attempt's may still lie in the folder (a second's
        // slack for a stage clock that writes whole seconds).
        const found = await resultFor(folder, sha256Hex(text));
        const result = found && Date.parse(found.startedAt) >= started - 1000 ? found : undefined;
        if (end.code !== 0 || result?.outcome !== "Succeeded") {
          const exit = describeExit(end.code, end.signal);
          if (result) results.push({ ...at, result: compactOf(result, false) });
          failure = [
            `stage ${plan.stage} of ${resource}${shard ? ` (${shard})` : ""} failed (${exit})`,
            `  request: ${requestFile}`,
            `  log:     ${logFile}`,
            "  end of the log:",
            ...(await tail(logFile, 12)).split("\n").map((l) => `    ${l}`),
          ].join("\n");
          return observed({
            phase: "Failed",
            reason: exit,
            message: `the stage process ended with ${exit}; log ${logFile}`,
          });
        }
        const seconds = (Date.now() - started) / 1000;
        options.log(`${counted}: done in ${seconds.toFixed(1)} s`);
        run.runs.push({ resource, stage: plan.id, shard, outcome: "ran", seconds, folder, result });
        results.push({ ...at, result: compactOf(result, false) });
      }
      return observed({ phase: "Succeeded" });
    },
  };
}
