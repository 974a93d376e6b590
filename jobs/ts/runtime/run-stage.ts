import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { sha256Hex } from "../../contract/canonical-json.ts";
import { EXIT_PERMANENT_FAILURE, EXIT_RETRYABLE_FAILURE, EXIT_SUCCESS } from "../../contract/exit-codes.ts";
import { writeFileAtomic } from "../../contract/files.ts";
import { StageRequest } from "../../contract/request.ts";
import { RESULT_FILE, type StageError, StageResult } from "../../contract/result.ts";
import { reusedFromText } from "../../contract/result-cache.ts";
import {
  checkReuse,
  FORCE_RUN_ENV,
  offerResult,
  type ReuseCheck,
  reuseRecord,
  reuseScopeOf,
} from "../../contract/reuse.ts";
import { compactResult } from "../../contract/termination.ts";
import { StageContext, type StagePrograms } from "./stage-context.ts";
import { StageFailure } from "./stage-failure.ts";

export interface RunStageOptions {
  storageRoot: string;
  terminationLog?: string;
  /** Where diagnostics go (stderr by default); stdout carries only the compact result. */
  log?: (line: string) => void;
  print?: (line: string) => void;
  /** Run even when a result stands for the request (default: $MAMMOFLOW_FORCE_RUN is "1"). */
  force?: boolean;
}

async function loadRequest(file: string): Promise<{ request: StageRequest; digest: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new StageFailure("BadRequest", `cannot read request ${file}: ${(error as NodeJS.ErrnoException).code}`, file);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new StageFailure("BadRequest", `request ${file} is not valid JSON: ${(error as Error).message}`, file);
  }
  const parsed = StageRequest.safeParse(decoded);
  if (!parsed.success) {
    throw new StageFailure("BadRequest", `request ${file} is invalid:\n${z.prettifyError(parsed.error)}`, file);
  }
  return { request: parsed.data, digest: sha256Hex(bytes) };
}

/** A full disk is OutOfSpace (retried once there is room); any other system error is Internal. */
const reasonOf = (code: string | undefined): StageError["reason"] => (code === "ENOSPC" ? "OutOfSpace" : "Internal");

function errorOf(failure: unknown): { error: StageError; code: number } {
  if (failure instanceof StageFailure) {
    return { error: failure.toError(), code: failure.permanent ? EXIT_PERMANENT_FAILURE : EXIT_RETRYABLE_FAILURE };
  }
  const systemError = failure as NodeJS.ErrnoException;
  const error: StageError = { reason: reasonOf(systemError?.code), message: String(systemError?.stack ?? failure) };
  if (systemError?.path) error.file = systemError.path;
  return { error, code: EXIT_RETRYABLE_FAILURE };
}

/**
 * Runs one TypeScript stage under the stage contract (DESIGN.md §4), the twin of
 * jobs/python/src/mammoflow_jobs/runner.py: validate the request, reuse a result by the one rule
 * (jobs/contract/reuse.ts: its own, or the same work's from the storage's result cache), run,
 * write result.json last by rename, print the compact result.
 */
export async function runStage(
  stages: StagePrograms,
  name: string,
  requestFile: string,
  options: RunStageOptions,
): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const startedAt = new Date().toISOString();
  let loaded: { request: StageRequest; digest: string };
  try {
    loaded = await loadRequest(requestFile);
  } catch (failure) {
    log((failure as Error).message);
    return EXIT_PERMANENT_FAILURE;
  }
  const { request, digest } = loaded;
  if (request.stage !== name) {
    log(`request ${requestFile} is for stage '${request.stage}', not '${name}'`);
    return EXIT_PERMANENT_FAILURE;
  }
  // The program of the request's own stage (checked above), which reads it typed by its catalogue entry.
  const stage = stages[request.stage] as ((context: StageContext) => Promise<void>) | undefined;
  if (!stage) {
    log(`no TypeScript stage named '${name}' (known: ${Object.keys(stages).sort().join(", ") || "none"})`);
    return EXIT_PERMANENT_FAILURE;
  }
  const context = new StageContext(request, options.storageRoot, digest);
  const resultFile = path.join(context.outputDir, RESULT_FILE);
  const emit = async (result: StageResult, reused = false) => {
    const compact = compactResult(result, undefined, reused, request.owner.namespace, context.findings);
    print(compact);
    if (options.terminationLog) {
      await writeFile(options.terminationLog, compact).catch((error) =>
        log(`cannot write termination message to ${options.terminationLog}: ${error}`),
      );
    }
  };
  let check: ReuseCheck | undefined;
  try {
    check = await checkReuse(options.storageRoot, request, digest, {
      force: options.force ?? process.env[FORCE_RUN_ENV] === "1",
      scope: reuseScopeOf(process.env),
    });
  } catch (error) {
    // An input it cannot read fails the stage itself, with the stage's own words for it.
    log(`stage ${name}: cannot fingerprint its inputs (${error}); it runs, and its result will not be reused`);
  }
  if (check?.result) {
    const from = check.source === "cache" ? check.result.reusedFrom : undefined;
    const said = from ? reusedFromText(from, request.owner.namespace) : "result for this request already complete";
    log(`stage ${name}: ${said} in ${resultFile}`);
    await emit(check.result, true);
    return EXIT_SUCCESS;
  }

  let failure: { error: StageError; code: number } | undefined;
  try {
    await mkdir(context.outputDir, { recursive: true });
    await stage(context);
  } catch (error) {
    failure = errorOf(error);
    log(`stage ${name} failed: ${failure.error.message}`);
  }
  const finishedAt = new Date().toISOString();
  const result = StageResult.parse({
    apiVersion: request.apiVersion,
    stage: name,
    requestDigest: digest,
    outcome: failure ? "Failed" : "Succeeded",
    startedAt,
    finishedAt,
    artifacts: context.artifacts,
    metrics: context.metrics,
    problems: context.problems,
    ...(failure ? { error: failure.error } : {}),
    ...(check && !failure ? reuseRecord(check, startedAt, finishedAt) : {}),
  });
  try {
    await writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    // Without result.json the run is not done, whatever the stage did; the termination message
    // (another filesystem) still tells the operator why, e.g. OutOfSpace, and the retry runs it again.
    log(`cannot write ${resultFile}: ${error}`);
    const code = (error as NodeJS.ErrnoException).code;
    const cause = `cannot write ${RESULT_FILE}: ${code ?? (error as Error).message}`;
    await emit({
      ...result,
      outcome: "Failed",
      error: {
        reason: reasonOf(code),
        message: failure ? `${failure.error.message}; then ${cause}` : cause,
        file: resultFile,
      },
    });
    return EXIT_RETRYABLE_FAILURE;
  }
  await offerResult(options.storageRoot, request, result);
  await emit(result);
  return failure ? failure.code : EXIT_SUCCESS;
}
