// Watches one namespace for the whole of a fault run, from outside the operator: every Job the
// API server ever held there (so a Job deleted and created again under the same name still counts
// twice), and every status the operator wrote on the Trained reproduction's resources (so a
// status that went back, even for a moment between two kills, is seen although the final one is
// right).
import type { V1Job } from "@kubernetes/client-node";
import type { StageStatus } from "../../../operator/api/status.ts";
import type { KubeClient, KubeObject } from "../../../operator/kube/client.ts";
import { Informer } from "../../../operator/kube/informer.ts";
import { createLogger } from "../../../operator/log/logger.ts";
import { type Resource, resourceUrl } from "./cluster.ts";

/** The kinds a Trained reproduction "r" consists of. */
const WATCHED_KINDS = ["Reproduction", "RoiDetectorTraining", "EngineBuild", "Submission"];

export interface RunWitness {
  /** Job name → the uids it had, in the order they appeared. */
  jobUids: Map<string, string[]>;
  /** Names of Jobs deleted while watched. */
  deletedJobs: string[];
  /** Each time a status went back: "<kind>/<name>: <what>" (empty when none did). */
  statusRegressions: string[];
  stop: () => void;
}

/** What a status promised that a later one may not take back. */
interface Settled {
  succeeded: boolean;
  /** Stage name → the request digest it succeeded with. */
  stages: Map<string, string | undefined>;
}

/**
 * Starts the watches and resolves once each has listed, so that it sees every Job and status
 * change made after it resolves. Regressions: a resource or stage that was Succeeded and is not
 * any more (also by disappearing from status.stages), any phase Failed, any attempts above 0, a
 * succeeded stage's request digest changed.
 */
export async function watchRun(admin: KubeClient, namespace: string): Promise<RunWitness> {
  const abort = new AbortController();
  const log = createLogger("silent");
  const witness: RunWitness = {
    jobUids: new Map(),
    deletedJobs: [],
    statusRegressions: [],
    stop: () => abort.abort(),
  };

  const jobs = new Informer<V1Job & KubeObject>(
    admin,
    { path: `/apis/batch/v1/namespaces/${namespace}/jobs`, name: "witness-jobs" },
    log,
  );
  jobs.onChange((job, change) => {
    const name = job.metadata.name;
    if (change === "delete") {
      witness.deletedJobs.push(name);
      return;
    }
    const uids = witness.jobUids.get(name) ?? [];
    if (job.metadata.uid && !uids.includes(job.metadata.uid)) uids.push(job.metadata.uid);
    witness.jobUids.set(name, uids);
  });

  const settled = new Map<string, Settled>();
  const informers = WATCHED_KINDS.map((kind) => {
    const informer = new Informer<Resource>(
      admin,
      { path: resourceUrl(namespace, kind), name: `witness-${kind}` },
      log,
    );
    informer.onChange((resource, change) => {
      if (change === "delete") return;
      const key = `${kind}/${resource.metadata.name}`;
      const problems = regressions(settled.get(key), resource.status?.phase, resource.status?.stages ?? []);
      for (const problem of problems) witness.statusRegressions.push(`${key}: ${problem}`);
      settled.set(key, settle(settled.get(key), resource.status?.phase, resource.status?.stages ?? []));
    });
    return informer;
  });

  const all = [jobs, ...informers];
  for (const informer of all) void informer.run(abort.signal);
  await Promise.all(all.map((informer) => informer.waitForSync()));
  return witness;
}

function regressions(before: Settled | undefined, phase: string | undefined, stages: StageStatus[]): string[] {
  const problems: string[] = [];
  if (phase === "Failed") problems.push("phase Failed");
  if (before?.succeeded && phase !== "Succeeded") problems.push(`phase Succeeded, then ${phase ?? "none"}`);
  for (const stage of stages) {
    if (stage.phase === "Failed") problems.push(`stage ${stage.name} Failed`);
    if ((stage.attempts ?? 0) > 0) problems.push(`stage ${stage.name} attempts ${stage.attempts}`);
  }
  for (const [name, digest] of before?.stages ?? []) {
    const now = stages.find((s) => s.name === name);
    if (now?.phase !== "Succeeded") problems.push(`stage ${name} Succeeded, then ${now?.phase ?? "missing"}`);
    else if (now.requestDigest !== digest) problems.push(`stage ${name} digest ${digest}, then ${now.requestDigest}`);
  }
  return problems;
}

function settle(before: Settled | undefined, phase: string | undefined, stages: StageStatus[]): Settled {
  const succeededStages = new Map(before?.stages);
  for (const stage of stages) {
    if (stage.phase === "Succeeded" && !succeededStages.has(stage.name)) {
      succeededStages.set(stage.name, stage.requestDigest);
    }
  }
  return { succeeded: (before?.succeeded ?? false) || phase === "Succeeded", stages: succeededStages };
}
