import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { APP_ROOT } from "../jobs/contract/app-root.ts";
import type { ParsedResource } from "../operator/api/index.ts";
import { loadConfig } from "../operator/config/load.ts";
import { dryRunLines, dryRunPlan } from "../operator/executors/local/dry-run.ts";
import { gpuProblems } from "../operator/executors/local/gpu-preflight.ts";
import {
  executeLocalRun,
  forcedStages,
  hostHasGpu,
  hostHasTensorRT,
  LocalPlanError,
  LocalStageError,
  type LocalStep,
  planLocalRun,
} from "../operator/executors/local/index.ts";
import { assertInputsPresent } from "../operator/executors/local/preflight.ts";
import { skippedItems, skippedLines } from "../operator/executors/local/run-summary.ts";
import { HELD_EXIT, type Hold, heldSummary } from "../operator/executors/local/suspension.ts";
import { loadManifests } from "./manifests.ts";
import { metricsLine } from "./metrics-line.ts";
import type { OutputFormat } from "./output.ts";
import { printResult } from "./output.ts";
import { progressDisplay } from "./progress-display.ts";

/** The interpreter with mammoflow_jobs: $MAMMOFLOW_PYTHON, else the project's .venv, else python3. */
function pythonInterpreter(): string {
  if (process.env.MAMMOFLOW_PYTHON) return process.env.MAMMOFLOW_PYTHON;
  const venv = path.join(APP_ROOT, ".venv/bin/python");
  return existsSync(venv) ? venv : "python3";
}

/** Bundled folders a storage root may borrow from the installation (seed labels, sample studies). */
const BUNDLED_ASSETS = ["assets/data", "assets/samples"];

/**
 * Links the installation's bundled assets into the storage root where it has none of its own, so
 * that manifests can name them with storage-relative paths (the demo's `assets/samples/...`).
 */
async function linkBundledAssets(storageRoot: string, log: (line: string) => void): Promise<void> {
  for (const folder of BUNDLED_ASSETS) {
    const target = path.join(storageRoot, folder);
    if (existsSync(target) || !existsSync(path.join(APP_ROOT, folder))) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(path.join(APP_ROOT, folder), target, "dir");
    log(`linked ${target} → ${path.join(APP_ROOT, folder)}`);
  }
}

/**
 * The `Kind/name` of the resources whose manifest sets a TensorRT switch itself: the ensemble
 * engine's export.tensorRT (a Reproduction's also builds its detector's engine) or a
 * RoiDetectorTraining's tensorRT.
 */
function engineAsked(resources: readonly ParsedResource[], written: ReadonlyMap<ParsedResource, unknown>): Set<string> {
  const asked = new Set<string>();
  for (const parsed of resources) {
    const spec = (written.get(parsed) as { spec?: Record<string, unknown> } | undefined)?.spec;
    // A Reproduction carries its EngineBuild's settings under spec.engine.
    const settings = (parsed.kind.kind === "Reproduction" ? spec?.engine : spec) as
      | { export?: { tensorRT?: unknown }; tensorRT?: unknown }
      | undefined;
    const switched = parsed.kind.kind === "RoiDetectorTraining" ? settings?.tensorRT : settings?.export?.tensorRT;
    if (switched !== undefined) asked.add(`${parsed.kind.kind}/${parsed.resource.metadata.name}`);
  }
  return asked;
}

/**
 * Refuses the run before its first stage (LocalPreflightError, exit 2) naming at once every input
 * missing from the storage and every setting that needs a GPU or TensorRT this machine lacks.
 */
function preflight(steps: readonly LocalStep[], storageRoot: string, gpu: boolean): void {
  assertInputsPresent(
    steps,
    {
      root: storageRoot,
      exists: (relative) => existsSync(path.join(storageRoot, relative)),
      bundled: (relative) =>
        BUNDLED_ASSETS.some((folder) => relative.startsWith(`${folder}/`)) && existsSync(path.join(APP_ROOT, relative)),
    },
    gpuProblems(steps, { gpu, tensorRT: () => hostHasTensorRT(pythonInterpreter()) }),
  );
}

/**
 * `--dry-run`: the plan (resources in order, stages, inputs, what would run or be reused), then
 * what the preflight finds; nothing is started or written. Exit 2 when the run would be refused.
 */
async function dryRun(
  steps: readonly LocalStep[],
  options: { storageRoot: string; format: OutputFormat; force?: ReadonlySet<string>; gpu: boolean },
): Promise<number> {
  const plan = await dryRunPlan(steps, {
    storageRoot: options.storageRoot,
    ...(options.force ? { force: options.force } : {}),
  });
  let refusal: string | undefined;
  try {
    preflight(steps, options.storageRoot, options.gpu);
  } catch (error) {
    if (!(error instanceof LocalPlanError)) throw error;
    refusal = error.message;
  }
  await printResult(
    options.format,
    { storageRoot: options.storageRoot, dryRun: true, resources: plan, preflight: refusal ?? "ok" },
    () =>
      [
        ...dryRunLines(plan, options.storageRoot),
        ...(refusal ? [] : ["preflight: every input is there and the machine has what the stages need"]),
      ]
        .map((line) => `${line}\n`)
        .join(""),
  );
  if (refusal) process.stderr.write(`mammoflow run: ${refusal}\n`);
  return refusal ? 2 : 0;
}

/** `mammoflow run MANIFEST... [--storage DIR] [--only KIND/NAME] [--dry-run]`: the local runner. */
export async function runCommand(
  manifests: string[],
  options: {
    storage?: string;
    only?: string;
    linkAssets?: boolean;
    force?: true | string;
    dryRun?: boolean;
    output?: OutputFormat;
  },
): Promise<number> {
  const format = options.output ?? "text";
  const config = await loadConfig();
  const { resources, errors, written } = await loadManifests(manifests);
  for (const e of errors) process.stderr.write(`invalid ${e.message}\n`);
  if (errors.length > 0) return 2;
  const storageRoot = path.resolve(options.storage ?? config.storage.root);
  // Progress lines are the results' preamble in text; in json/yaml stdout holds the document only.
  const logTo = format === "text" ? process.stdout : process.stderr;
  const log = (line: string) => logTo.write(`${line}\n`);
  try {
    // A dry run changes nothing on the storage, links included.
    if (options.linkAssets && !options.dryRun) await linkBundledAssets(storageRoot, log);
    const gpu = hostHasGpu();
    const steps = planLocalRun(resources, {
      only: options.only,
      gpuTypeOf: (pool) => config.gpuPools[pool]?.gpuType ?? pool,
      ...(gpu ? {} : { withoutGpu: { engineAsked: engineAsked(resources, written), note: log } }),
    });
    // A --force naming no stage of the run is a usage error, before anything runs.
    const force = options.force ? forcedStages(steps, options.force) : undefined;
    if (options.dryRun) return await dryRun(steps, { storageRoot, format, force, gpu });
    preflight(steps, storageRoot, gpu);
    const stageCount = steps.filter((s) => s.execute).reduce((n, s) => n + s.stages.length, 0);
    log(`mammoflow run: ${stageCount} stage(s) of ${steps.length} resource(s) under ${storageRoot}`);
    // Resources spec.suspend kept from starting: the run ends not finished (HELD_EXIT), saying so.
    const holds: Hold[] = [];
    const { runs, statuses } = await executeLocalRun(steps, {
      storageRoot,
      appRoot: APP_ROOT,
      python: pythonInterpreter(),
      log,
      // Live progress of each stage: a bar where stderr is a terminal, a line every 30 s elsewhere.
      progress: await progressDisplay(process.stderr, log),
      ...(force ? { force } : {}),
      onHold: (hold) => holds.push(hold),
    });
    const last = runs.at(-1);
    const scored = metricsLine(last?.result.metrics);
    const ran = runs.filter((r) => r.outcome === "ran").length;
    const reused = runs.filter((r) => r.outcome === "reused").length;
    const skipped = skippedItems(runs, storageRoot);
    const artifacts = (last?.result.artifacts ?? []).map((a) => ({
      name: a.name,
      path: path.join(storageRoot, a.path),
    }));
    await printResult(
      format,
      {
        storageRoot,
        stages: runs.map((r) => ({
          resource: r.resource,
          stage: r.stage,
          ...(r.shard ? { shard: r.shard } : {}),
          outcome: r.outcome,
          ...(r.reusedFrom ? { reusedFrom: r.reusedFrom } : {}),
          seconds: r.seconds,
        })),
        artifacts,
        metrics: last?.result.metrics ?? {},
        skipped,
        ...(holds.length > 0 ? { held: holds } : {}),
        // Each resource's status as written to its status.json (held ones too), by `Kind/name`.
        statuses: Object.fromEntries(statuses),
      },
      () =>
        `mammoflow run: ${holds.length > 0 ? "stopped" : "done"} (${ran} ran, ${runs.length - ran - reused} already done${reused ? `, ${reused} reused from other resources` : ""})\n` +
        artifacts.map((a) => `  ${a.name}: ${a.path}\n`).join("") +
        (scored ? `${scored}\n` : "") +
        [...skippedLines(skipped), ...heldSummary(holds)].map((line) => `${line}\n`).join(""),
    );
    return holds.length > 0 ? HELD_EXIT : 0;
  } catch (error) {
    if (error instanceof LocalPlanError || error instanceof LocalStageError) {
      process.stderr.write(`mammoflow run: ${error.message}\n`);
      return error instanceof LocalPlanError ? 2 : 1;
    }
    throw error;
  }
}
