import type { MammoflowConfig } from "../config/schema.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { OperatorMetrics } from "../kube/metrics.ts";
import type { Logger } from "../log/logger.ts";
import type { Caches } from "./caches.ts";

/** What every reconciler acts through. */
export interface ControllerContext {
  client: KubeClient;
  caches: Caches;
  config: MammoflowConfig;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  now: () => Date;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const [namespace = "", name = ""] = key.split("/");
  return { namespace, name };
}
