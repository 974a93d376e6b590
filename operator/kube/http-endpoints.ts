import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Probes {
  /** Alive: the event loop answers. */
  live: () => boolean;
  /** Ready: caches synced (a standby replica is ready too: it can take over at once). */
  ready: () => boolean;
}

export interface Endpoints {
  healthPort: number;
  metricsPort: number;
  close: () => Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}

/** /healthz and /readyz on one port, /metrics on another (0 picks a free port). */
export async function serveEndpoints(
  probes: Probes,
  registry: Registry,
  ports: { health: number; metrics: number },
  beforeScrape: () => void = () => {},
): Promise<Endpoints> {
  const health = http.createServer((req, res) => {
    const ok = req.url === "/healthz" ? probes.live() : req.url === "/readyz" ? probes.ready() : undefined;
    if (ok === undefined) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
  });
  const metrics = http.createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("not found\n");
      return;
    }
    beforeScrape();
    registry
      .metrics()
      .then((text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text))
      .catch((error: Error) => res.writeHead(500).end(error.message));
  });
  const healthPort = await listen(health, ports.health);
  const metricsPort = await listen(metrics, ports.metrics);
  const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  return { healthPort, metricsPort, close: async () => void (await Promise.all([close(health), close(metrics)])) };
}
