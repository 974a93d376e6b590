import { loadConfig } from "../operator/config/load.ts";
import { startOperator } from "../operator/controllers/operator.ts";
import { KubeClient } from "../operator/kube/client.ts";
import { createLogger } from "../operator/log/logger.ts";

/** `mammoflow operator`: runs until SIGTERM/SIGINT (exit 0) or a lost Lease (exit 1). */
export async function operatorCommand(options: { kubeconfig?: string; namespace?: string }): Promise<number> {
  const config = await loadConfig();
  if (options.namespace) config.operator.namespace = options.namespace;
  const log = createLogger(config.logLevel).child({ component: "operator" });
  const client = KubeClient.fromFile(options.kubeconfig ?? process.env.KUBECONFIG);
  const operator = await startOperator(client, config, log);
  log.info(
    { health: operator.endpoints.healthPort, metrics: operator.endpoints.metricsPort, user: client.user },
    "operator started",
  );
  const onSignal = () => void operator.stop();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  const code = await operator.done;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  // A lost Lease: exit now rather than when the last request in flight gives up, so that the
  // Deployment restarts this pod as a standby.
  if (code !== 0) process.exit(code);
  return code;
}
