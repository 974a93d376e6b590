import { mkdtempSync, writeFileSync } from "node:fs";
import type https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { resourceOfPath } from "../../../operator/kube/client.ts";
import { connectionFromFile, inClusterConnection } from "../../../operator/kube/kubeconfig.ts";

/** A kubeconfig of one context, "test", in a fresh folder; returns its path. */
function kubeconfig(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  files: Record<string, string> = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, "config");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://10.0.0.1:6443", ...cluster } }],
      users: [{ name: "operator", user }],
      contexts: [{ name: "test", context: { cluster: "c", user: "operator" } }],
      "current-context": "test",
    }),
  );
  return file;
}

async function authorized(file: string) {
  const connection = connectionFromFile(file);
  const options: https.RequestOptions = { headers: { Accept: "application/json" } };
  await connection.authorize(options);
  return {
    connection,
    options,
    agentOptions: (connection.agent as https.Agent & { options: https.AgentOptions }).options,
  };
}

describe("reading a kubeconfig", () => {
  it("sends the user's bearer token on every request through one keep-alive agent", async () => {
    const file = kubeconfig({ "insecure-skip-tls-verify": true }, { token: "abc" });
    const { connection, options, agentOptions } = await authorized(file);
    expect(connection.server.href).toBe("https://10.0.0.1:6443/");
    expect(connection.user).toBe("operator");
    expect(options.headers).toEqual({ Accept: "application/json", Authorization: "Bearer abc" });
    expect(options.agent).toBe(connection.agent);
    expect(agentOptions).toMatchObject({ keepAlive: true, rejectUnauthorized: false });
  });

  it("reads the CA and client certificate from files beside the kubeconfig or from inline data", async () => {
    const file = kubeconfig(
      { "certificate-authority": "ca.crt", "tls-server-name": "api.internal" },
      {
        "client-certificate-data": Buffer.from("CERT").toString("base64"),
        "client-key": "client.key",
        as: "someone",
      },
      { "ca.crt": "CA", "client.key": "KEY" },
    );
    const { options, agentOptions } = await authorized(file);
    expect(String(agentOptions.ca)).toBe("CA");
    expect(String(agentOptions.cert)).toBe("CERT");
    expect(String(agentOptions.key)).toBe("KEY");
    expect(agentOptions.servername).toBe("api.internal");
    expect(agentOptions.rejectUnauthorized).toBeUndefined();
    expect(options.headers).toEqual({ Accept: "application/json", "Impersonate-User": "someone" });
  });

  it("reads a token file (a rotating service account token) once a minute, not per request", async () => {
    const file = kubeconfig({}, { "token-file": "token" }, { token: "first\n" });
    const connection = connectionFromFile(file);
    const headers = async () => {
      const options: https.RequestOptions = {};
      await connection.authorize(options);
      return options.headers;
    };
    expect(await headers()).toEqual({ Authorization: "Bearer first" });
    writeFileSync(path.join(path.dirname(file), "token"), "second");
    expect(await headers()).toEqual({ Authorization: "Bearer first" });
  });

  it("leaves exec plugins and auth providers to @kubernetes/client-node (no agent of its own)", () => {
    const file = kubeconfig({}, { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } });
    const connection = connectionFromFile(file);
    expect(connection.agent).toBeUndefined();
    expect(connection.server.host).toBe("10.0.0.1:6443");
  });

  it("names the file and what is missing", () => {
    const file = kubeconfig({}, {});
    writeFileSync(file, stringify({ contexts: [], "current-context": "gone" }));
    expect(() => connectionFromFile(file)).toThrow(
      `kubeconfig ${file}: current-context gone is not among its contexts`,
    );
    const plain = kubeconfig({ server: "http://10.0.0.1:8080" }, { token: "t" });
    expect(() => connectionFromFile(plain)).toThrow("kubeconfig: the server http://10.0.0.1:8080 is not https");
  });

  it("in a pod, uses the API server's Service and the service account's CA and token", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "serviceaccount-"));
    writeFileSync(path.join(dir, "ca.crt"), "CA");
    writeFileSync(path.join(dir, "token"), "sa-token");
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "fd00::1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const connection = inClusterConnection(dir);
      const options: https.RequestOptions = {};
      await connection.authorize(options);
      expect(connection.server.href).toBe("https://[fd00::1]/");
      expect(options.headers).toEqual({ Authorization: "Bearer sa-token" });
    } finally {
      for (const [name, value] of [
        ["KUBERNETES_SERVICE_HOST", saved.host],
        ["KUBERNETES_SERVICE_PORT", saved.port],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe("counting requests by resource", () => {
  it("names the resource and subresource of a path, with or without a namespace", () => {
    expect(resourceOfPath("/api/v1/namespaces/ns/events")).toBe("events");
    expect(resourceOfPath("/api/v1/namespaces/ns/events/r.1?x=1")).toBe("events");
    expect(resourceOfPath("/apis/mammoflow.io/v1alpha1/namespaces/ns/submissions/s/status")).toBe("submissions/status");
    expect(resourceOfPath("/apis/batch/v1/jobs")).toBe("jobs");
    expect(resourceOfPath("/api/v1/namespaces/ns/pods/p/log")).toBe("pods/log");
    expect(resourceOfPath("/api/v1/namespaces/ns")).toBe("namespaces");
  });
});
