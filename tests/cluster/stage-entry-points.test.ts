// For every stage of the catalogue, the container the Job builder makes (image, command, env,
// security context, volumes) runs in its real image on the real kubelet node, with the request
// argument swapped for `--list`: Kubernetes' `command` replaces the image's ENTRYPOINT, so this
// is what proves that the command a stage Job names exists in the image it names and knows the
// stage. GPU stages are built with 0 GPUs (no GPU here); their command line is the same.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { STAGE_CATALOGUE, type StageName } from "../../jobs/contract/stages.ts";
import { buildRequestConfigMap, buildStageJob, type StageJobInput } from "../../operator/executors/kubernetes/job.ts";
import { stageRequests } from "../../operator/pipeline/request.ts";
import { makePlan, parseConfigForTest } from "../support/operator-builders.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { onRealNode, realNodeName } from "./support/real-node.ts";
import { stageImagesOnNode } from "./support/stage-images.ts";
import { waitFor } from "./support/wait.ts";

const STAGES = Object.keys(STAGE_CATALOGUE) as StageName[];

/** The Job's pod for `stage`, its request argument replaced by `--list`, sized for a 2-core node. */
function listingPod(stage: StageName, namespace: string): { pod: V1Pod; configMap: unknown } {
  const plan = makePlan(stage, stage).outputDir(`runs/${namespace}/Test/entry/${stage}`).obj();
  const owner = { apiVersion: "v1", kind: "ConfigMap", name: "owner", namespace, uid: "0" };
  const config = parseConfigForTest({ images: { ...stageImagesOnNode(), pullPolicy: "Never" } });
  const input: StageJobInput = {
    owner,
    plan,
    requests: stageRequests({ kind: "Test", namespace, name: "entry", generation: 1 }, plan),
    config,
  };
  const job = buildStageJob(input);
  const template = job.spec?.template.spec;
  const container = template?.containers[0];
  if (!template || !container?.command) throw new Error(`no container in the Job of ${stage}`);
  const requestAt = container.command.indexOf("--request");
  expect(requestAt, `${stage}: ${container.command.join(" ")}`).toBeGreaterThan(0);
  const configMap = buildRequestConfigMap(input);
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `entry-${stage}`, namespace },
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
  return { pod, configMap: { ...configMap, metadata: { ...configMap.metadata, ownerReferences: [] } } };
}

describe("every stage's Job command runs in the image it names (real kubelet node)", () => {
  const cluster = useClusterNamespace("entry", 120_000)
    .storageFolder()
    .setup(async ({ admin, name }) => {
      for (const stage of STAGES) {
        const { pod, configMap } = listingPod(stage, name);
        await admin.create(`/api/v1/namespaces/${name}/configmaps`, configMap);
        await admin.create(`/api/v1/namespaces/${name}/pods`, pod);
      }
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
