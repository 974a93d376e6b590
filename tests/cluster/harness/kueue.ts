// Real Kueue (built by kueue-binary.ts) as a process against the suite's control plane, for the
// files that test queueing: its CRDs applied server-side from its module, a configuration and
// self-signed certificates in a folder of its own. No webhook is registered (the API server
// could only reach it by URL on loopback), so Kueue neither defaults nor validates: the
// operator's Jobs arrive suspended and labelled with their queue, which is all Kueue needs.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeClient } from "../../../operator/kube/client.ts";
import { KUEUE_MODULE, KUEUE_VERSION, kueueBinary } from "./kueue-binary.ts";
import { freePort, startProgram, stopProcess, waitFor } from "./processes.ts";

/**
 * cmd/kueue/main.go reads the metrics certificate from this fixed path whenever internal
 * certificate management is off, and exits without one. Kueue runs in a mount namespace of its
 * own with the run's certificate folder bound over it, so the host's /etc keeps no certificate
 * (only the empty mount point).
 */
const METRICS_CERT_PATH = "/etc/kueue/metrics/certs";
export const KUEUE_NAMESPACE = "kueue-system";

export interface Kueue {
  dir: string;
  logFile: string;
  stop: () => Promise<void>;
}

/** The module's folder in Go's module cache (downloaded if a cleaned cache lacks it). */
function moduleDir(): string {
  const out = execFileSync("go", ["mod", "download", "-json", `${KUEUE_MODULE}@${KUEUE_VERSION}`], {
    encoding: "utf8",
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** Applies Kueue's CRDs (server-side: they are too large for the last-applied annotation). */
async function installCrds(admin: KubeClient): Promise<void> {
  const dir = path.join(moduleDir(), "config/components/crd/bases");
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
      const crd = doc.toJS() as { metadata?: { name: string } } | null;
      if (!crd?.metadata) continue;
      names.push(crd.metadata.name);
      await admin.apply(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        crd,
        "mammoflow-tests",
      );
    }
  }
  await waitFor(
    "Kueue's CRDs established",
    async () => {
      for (const name of names) {
        const crd = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        if (!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return false;
      }
      return true;
    },
    60_000,
    "",
  );
}

/** A self-signed certificate for 127.0.0.1 (tls.crt, tls.key, and itself as ca.crt). */
function writeCertificate(dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=kueue-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(dir, "tls.key"),
      "-out",
      path.join(dir, "tls.crt"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  copyFileSync(path.join(dir, "tls.crt"), path.join(dir, "ca.crt"));
}

/**
 * Starts Kueue against the control plane of `kubeconfig` (admin credentials) and resolves once
 * it reports ready; `stop()` ends it. Needs root, for the mount namespace above.
 */
export async function startKueue(admin: KubeClient, kubeconfig: string): Promise<Kueue> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Kueue reads its metrics certificate from ${METRICS_CERT_PATH} (fixed in cmd/kueue/main.go); the harness binds one there in a mount namespace, which needs root`,
    );
  }
  const binary = await kueueBinary();
  await installCrds(admin);
  await admin
    .create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: KUEUE_NAMESPACE } })
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 409) throw error;
    });

  const dir = mkdtempSync(path.join(tmpdir(), "mammoflow-kueue-"));
  const certDir = path.join(dir, "certs");
  writeCertificate(certDir);
  const healthPort = await freePort();
  const configFile = path.join(dir, "config.yaml");
  writeFileSync(
    configFile,
    stringify({
      apiVersion: "config.kueue.x-k8s.io/v1beta2",
      kind: "Configuration",
      namespace: KUEUE_NAMESPACE,
      leaderElection: { leaderElect: false },
      internalCertManagement: { enable: false },
      health: { healthProbeBindAddress: `127.0.0.1:${healthPort}` },
      // "0": no metrics server (the certificate above is still read at start).
      metrics: { bindAddress: "0" },
      webhook: { host: "127.0.0.1", port: await freePort(), certDir },
      integrations: { frameworks: ["batch/job"] },
    }),
  );
  mkdirSync(METRICS_CERT_PATH, { recursive: true });
  const args = [
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    `mount --bind "$0" ${METRICS_CERT_PATH} && exec "$@"`,
    certDir,
    binary,
    `--config=${configFile}`,
    `--kubeconfig=${kubeconfig}`,
    // On, it waits for the visibility API server's own certificate, which nothing here provides.
    "--feature-gates=VisibilityOnDemand=false",
  ];
  const logFile = path.join(dir, "kueue.log");
  const { pid, child } = startProgram("kueue", "unshare", args, dir, false);
  const stop = () => stopProcess(pid);
  // A Kueue that exits at start (a bad flag or configuration) fails at once, with its last words.
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => {
      const tail = readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-15).join("\n");
      reject(new Error(`Kueue exited (${code ?? signal}) before it was ready; the end of ${logFile}:\n${tail}`));
    }),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([
      waitFor("Kueue", async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok, 120_000, logFile),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, logFile, stop };
}
