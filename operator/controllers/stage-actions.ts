import type { CoreV1Event } from "@kubernetes/client-node";
import { buildRequestConfigMap, buildStageJob, needsRequestConfigMap } from "../executors/kubernetes/job.ts";
import { FAILED_CREATE } from "../executors/kubernetes/job-events.ts";
import {
  jobSuspensionPatch,
  KUEUE_JOB_UID_LABEL,
  workloadActivationPatch,
} from "../executors/kubernetes/job-suspension.ts";
import { FIELD_MANAGER, KUEUE_QUEUE_LABEL } from "../executors/kubernetes/names.ts";
import { KubeApiError, type KubeObject, type ResourceType, resourcePath } from "../kube/client.ts";
import { stageRequests } from "../pipeline/request.ts";
import type { ResourceId, StagePlan } from "../pipeline/stage-plan.ts";
import type { JobObject } from "./caches.ts";
import type { ControllerContext } from "./context.ts";
import { CONFIGMAP_TYPE, JOB_TYPE } from "./resource-types.ts";

/**
 * Creates a stage's Job, which carries its request (executors/kubernetes/request-volume.ts); a
 * request too large for that goes in a ConfigMap created first (a Job whose ConfigMap failed
 * would hold pods that cannot start, and would never be applied again). Records `options.event`,
 * else a StageStarted Event only when `config.operator.events.stageStarts` asks for it: a start
 * is already in status.stages[].startedAt and in the Job's own Events, and one Event per start
 * costs etcd a third write per start. Returns the Job as the API server stored it.
 */
export async function startStage(
  context: ControllerContext,
  resource: KubeObject,
  owner: ResourceId,
  plan: StagePlan,
  options: { forceRun?: boolean; event?: { reason: string; message: string } } = {},
): Promise<JobObject> {
  const { namespace = "", name, uid = "" } = resource.metadata;
  const input = {
    owner: { apiVersion: resource.apiVersion ?? "", kind: owner.kind, name, namespace, uid },
    plan,
    requests: stageRequests(owner, plan),
    config: context.config,
    ...(options.forceRun ? { forceRun: true } : {}),
  };
  const job = buildStageJob(input);
  if (needsRequestConfigMap(job)) await createOrApply(context, CONFIGMAP_TYPE, namespace, buildRequestConfigMap(input));
  const applied = await createOrApply<JobObject>(context, JOB_TYPE, namespace, job);
  const event =
    options.event ??
    (context.config.operator.events.stageStarts
      ? { reason: "StageStarted", message: `stage ${plan.id} started as Job ${job.metadata?.name}` }
      : undefined);
  if (event) context.events.record(resource, "Normal", event.reason, event.message);
  return applied;
}

/**
 * Creates a stage's object; one of that name that exists already (a restarted stage's immutable
 * request ConfigMap, a Job the cache did not show yet) is applied over instead, as before. A
 * create is the common case, and the API server's cheapest write of a new object: server-side
 * apply of one costs it a merge and a second managed-fields computation, and a reconcile that
 * starts a stage waits for both writes (measured with npm run bench:operator).
 */
async function createOrApply<T extends KubeObject>(
  context: ControllerContext,
  type: ResourceType,
  namespace: string,
  object: { metadata?: { name?: string } },
): Promise<T> {
  try {
    return await context.client.create<T>(resourcePath(type, namespace), object, FIELD_MANAGER);
  } catch (error) {
    if (!(error instanceof KubeApiError && error.statusCode === 409)) throw error;
  }
  return context.client.apply<T>(resourcePath(type, namespace, object.metadata?.name), object, FIELD_MANAGER);
}

/** Deletes only that Job (uid precondition, never a newer one of the same name); gone already is done. */
async function deleteJob(context: ControllerContext, job: JobObject, propagationPolicy: "Background" | "Foreground") {
  const { namespace = "", name, uid } = job.metadata;
  try {
    await context.client.request("DELETE", resourcePath(JOB_TYPE, namespace, name), {
      body: { propagationPolicy, preconditions: { uid } },
      verb: "delete",
    });
  } catch (error) {
    if ((error as KubeApiError).statusCode !== 404) throw error;
  }
}

/**
 * Deletes a finished stage Job so that the stage can start again under the same name: a failed
 * one for a retry, a failed or succeeded one for a recheck. Its pods go with it in the background:
 * they no longer run, so nothing waits for them.
 */
export async function deleteFinishedJob(context: ControllerContext, job: JobObject): Promise<void> {
  await deleteJob(context, job, "Background");
}

/**
 * Deletes a Job that ran an earlier request of its stage, running or not. Foreground: the Job
 * stays, marked for deletion, until its pods are gone, so the stage's new Job (same name) starts
 * only after the old pods stopped writing its folder and released their GPUs.
 */
export async function deleteSupersededJob(context: ControllerContext, job: JobObject): Promise<void> {
  await deleteJob(context, job, "Foreground");
}

/**
 * Suspends or resumes a running stage Job in place (its resource's spec.suspend): the same Job,
 * so resuming continues its request. A Job already gone (404) has nothing left to hold. A Job in
 * a Kueue queue is held through its Workload as well (job-suspension.ts), first, so that a
 * failure leaves the Job's mark as it was and the next reconcile tries again.
 */
export async function setJobSuspended(context: ControllerContext, job: JobObject, suspend: boolean): Promise<void> {
  const { namespace = "", name, uid = "" } = job.metadata;
  if (job.metadata.labels?.[KUEUE_QUEUE_LABEL] !== undefined) {
    const workloads = `/apis/kueue.x-k8s.io/v1beta2/namespaces/${encodeURIComponent(namespace)}/workloads`;
    try {
      const list = await context.client.list<KubeObject>(workloads, { labelSelector: `${KUEUE_JOB_UID_LABEL}=${uid}` });
      for (const workload of list.items) {
        await context.client.mergePatch(`${workloads}/${workload.metadata.name}`, workloadActivationPatch(suspend));
      }
    } catch (error) {
      // 404: Kueue is not installed (its API is absent) or the Workload went away.
      if ((error as KubeApiError).statusCode !== 404) throw error;
    }
  }
  try {
    await context.client.mergePatch(resourcePath(JOB_TYPE, namespace, name), jobSuspensionPatch(job, suspend));
  } catch (error) {
    if ((error as KubeApiError).statusCode !== 404) throw error;
  }
}

/** The Job's FailedCreate Events (the Job controller's record of pods the API refused). */
export async function failedCreateEvents(context: ControllerContext, job: JobObject): Promise<CoreV1Event[]> {
  const { namespace = "", uid = "" } = job.metadata;
  try {
    const list = await context.client.list<CoreV1Event>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      fieldSelector: `involvedObject.uid=${uid},reason=${FAILED_CREATE}`,
    });
    return list.items;
  } catch (error) {
    // Only an explanation is lost: the stage still shows as running, as before.
    context.log.warn({ job: job.metadata.name, err: (error as Error).message }, "could not read the Job's events");
    return [];
  }
}
