// For every stage of the catalogue, the container the Job builder makes (image, command, env,
// security context, volumes) runs in its real image on the real kubelet node, with the request
// argument swapped for `--list`: Kubernetes' `command` replaces the image's ENTRYPOINT, so this
// is what proves that the command a stage Job names exists in the image it names and knows the
// stage. GPU stages are built with 0 GPUs (no GPU here); their command line is the same. And a
// pod of a stage Job finds its request files where the stage reads them, whether they travel in
// the Job's pod template (downwardAPI volume) or, over 32 KiB, in a ConfigMap.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../jobs/contract/canonical-json.ts";
import { STAGE_CATALOGUE, type StageName } from "../../jobs/contract/stages.ts";
import {
  buildRequestConfigMap,
  buildStageJob,
  needsRequestConfigMap,
  type StageJobInput,
} from "../../operator/executors/kubernetes/job.ts";
import { stageRequests } from "../../operator/pipeline/request.ts";
import type { StagePlan } from "../../operator/pipeline/stage-plan.ts";
import { makePlan, parseConfigForTest } from "../support/operator-builders.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { onRealNode, podLog, realNodeName } from "./support/real-node.ts";
import { stageImagesOnNode } from "./support/stage-images.ts";
import { waitFor } from "./support/wait.ts";

const STAGES = Object.keys(STAGE_CATALOGUE) as StageName[];
/** Pods that print their request files: a request in the Job's pod template, one in a ConfigMap. */
const READING_PODS: [string, string][] = [
  ["entry-request-inline", "small"],
  ["entry-request-configmap", "n".repeat(20_000)],
];

/** The stage Job's input for `plan`, owned by nothing the test must create. */
function jobInput(plan: StagePlan, namespace: string): StageJobInput {
  const owner = { apiVersion: "v1", kind: "ConfigMap", name: "owner", namespace, uid: "0" };
  const config = parseConfigForTest({ images: { ...stageImagesOnNode(), pullPolicy: "Never" } });
  return {
    owner,
    plan,
    requests: stageRequests({ kind: "Test", namespace, name: "entry", generation: 1 }, plan),
    config,
  };
}

/** The request ConfigMap of `input` when it needs one, without owner (the test's owner does not exist). */
function requestConfigMap(input: StageJobInput): unknown {
  if (!needsRequestConfigMap(buildStageJob(input))) return undefined;
  const configMap = buildRequestConfigMap(input);
  return { ...configMap, metadata: { ...configMap.metadata, ownerReferences: [] } };
}

/** The Job's pod for `stage`, its request argument replaced by `--list`, sized for a 2-core node. */
function listingPod(stage: StageName, namespace: string): { pod: V1Pod; configMap: unknown } {
  const input = jobInput(makePlan(stage, stage).outputDir(`runs/${namespace}/Test/entry/${stage}`).obj(), namespace);
  const job = buildStageJob(input);
  const template = job.spec?.template.spec;
  const container = template?.containers[0];
  if (!template || !container?.command) throw new Error(`no container in the Job of ${stage}`);
  const requestAt = container.command.indexOf("--request");
  expect(requestAt, `${stage}: ${container.command.join(" ")}`).toBeGreaterThan(0);
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `entry-${stage}`, namespace, annotations: job.spec?.template.metadata?.annotations },
    spec: {
      ...template,
      ...onRealNode(),
      containers: [
        {
          ...container,
          command: [...container.command.slice(0, requestAt), "--list"],
          resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "2Gi" } },
        },
      ],
    },
  };
  return { pod, configMap: requestConfigMap(input) };
}

/**
 * A pod of prepare-dataset's Job (2 shards) that prints both shards' request files as it finds
 * them under the request mount; `notes` makes the requests as large as wanted.
 */
function requestReadingPod(name: string, namespace: string, notes: string) {
  const plan = makePlan("prepare-dataset", "prepare-dataset")
    .shards(2)
    .outputDir(`runs/${namespace}/Test/entry/${name}`)
    .parameters({ notes })
    .obj();
  const input = jobInput(plan, namespace);
  const job = buildStageJob(input);
  const template = job.spec?.template;
  const container = template?.spec?.containers[0];
  if (!template?.spec || !container) throw new Error("no container in the Job of prepare-dataset");
  const files = [0, 1].map((i) => `/etc/mammoflow/request/request-${i}.json`);
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, annotations: template.metadata?.annotations },
    spec: {
      ...template.spec,
      ...onRealNode(),
      containers: [
        {
          ...container,
          command: [
            "node",
            "-e",
            "for (const f of process.argv.slice(1)) console.log(require('node:fs').readFileSync(f, 'utf8'))",
            ...files,
          ],
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        },
      ],
    },
  };
  return { pod, configMap: requestConfigMap(input), expected: input.requests.map((r) => canonicalJson(r)), input };
}

describe("every stage's Job command runs in the image it names (real kubelet node)", () => {
  const cluster = useClusterNamespace("entry", 120_000)
    .storageFolder()
    .setup(async ({ admin, name }) => {
      for (const stage of STAGES) {
        const { pod, configMap } = listingPod(stage, name);
        if (configMap) await admin.create(`/api/v1/namespaces/${name}/configmaps`, configMap);
        await admin.create(`/api/v1/namespaces/${name}/pods`, pod);
      }
      for (const [pod, notes] of READING_PODS) {
        const reading = requestReadingPod(pod, name, notes);
        if (reading.configMap) await admin.create(`/api/v1/namespaces/${name}/configmaps`, reading.configMap);
        await admin.create(`/api/v1/namespaces/${name}/pods`, reading.pod);
      }
    });

  const finished = (pod: string) =>
    waitFor(
      `pod ${pod} to finish`,
      async () => {
        const p = await cluster.admin.get<V1Pod>(`/api/v1/namespaces/${cluster.name}/pods/${pod}`);
        return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
      },
      300_000,
      async () => (await cluster.admin.get<V1Pod>(`/api/v1/namespaces/${cluster.name}/pods/${pod}`)).status,
    );

  it.each(READING_PODS)("%s: the pod reads each shard's request file as the operator wrote it", async (name, notes) => {
    const { expected, input } = requestReadingPod(name, cluster.name, notes);
    // The two ways: a few hundred bytes in the pod template; 2 × 20,000 bytes in a ConfigMap.
    expect(needsRequestConfigMap(buildStageJob(input))).toBe(name === "entry-request-configmap");
    const pod = await finished(name);
    const log = await podLog(cluster.name, name);
    expect(pod.status?.phase, log).toBe("Succeeded");
    expect(log.trimEnd().split("\n")).toEqual(expected);
  });

  it.each(STAGES)("%s", async (stage) => {
    const pod = await waitFor(
      `pod entry-${stage} to finish`,
      async () => {
        const p = await cluster.admin.get<V1Pod>(`/api/v1/namespaces/${cluster.name}/pods/entry-${stage}`);
        return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
      },
      300_000,
      async () => (await cluster.admin.get<V1Pod>(`/api/v1/namespaces/${cluster.name}/pods/entry-${stage}`)).status,
    );
    const logs = await cluster.admin.get<{ message: string }>(
      `/api/v1/namespaces/${cluster.name}/pods/entry-${stage}/log`,
    );
    expect(pod.spec?.nodeName).toBe(realNodeName());
    expect(pod.status?.phase, logs.message).toBe("Succeeded");
    expect(logs.message.split("\n")).toContain(stage);
  });
});
