import type { Logger } from "../log/logger.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { sleep } from "./informer.ts";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime wants six fractional digits. */
export const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

const leasePath = (ns: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name ? `/${name}` : ""}`;

/** Whether `identity` may take the lease at `now`: it holds it, nobody does, or it expired. */
export function canAcquire(lease: Lease["spec"], identity: string, now: Date): boolean {
  if (!lease.holderIdentity || lease.holderIdentity === identity) return true;
  const renewed = lease.renewTime ? Date.parse(lease.renewTime) : 0;
  return renewed + (lease.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
}

/**
 * Lease-based leader election (coordination.k8s.io/v1, client-go's semantics): acquire or
 * renew every retry period with optimistic concurrency; a leader that cannot renew within the
 * renew deadline stops leading. Releasing on shutdown lets a standby take over at once.
 */
export class LeaderElector {
  private leading = false;
  private lastRenew = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = new Date();
    let lease: Lease | undefined;
    try {
      lease = await this.client.get<Lease>(leasePath(namespace, name));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
    }
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: microTime(now),
    };
    if (!lease) {
      await this.client.create(leasePath(namespace), {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    if (!canAcquire(lease.spec, identity, now)) return false;
    const takeover = lease.spec.holderIdentity !== identity;
    await this.client.update(leasePath(namespace, name), {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    });
    return true;
  }

  /**
   * Blocks until this replica leads (or `signal` aborts), then keeps renewing in the
   * background; `onLost` is called once if leadership is lost.
   */
  async acquire(signal: AbortSignal, onLost: () => void): Promise<boolean> {
    const retryMs = this.options.retryPeriodSeconds * 1000;
    while (!signal.aborted) {
      if (await this.attempt()) break;
      await sleep(retryMs, signal);
    }
    if (signal.aborted) return false;
    this.leading = true;
    this.log.info({ identity: this.options.identity }, "became leader");
    void this.renewLoop(signal, onLost);
    return true;
  }

  private async attempt(): Promise<boolean> {
    try {
      const ok = await this.tryAcquireOrRenew();
      if (ok) this.lastRenew = Date.now();
      return ok;
    } catch (error) {
      // A 409 means another replica wrote the lease first: not leading this round.
      if (!(error instanceof KubeApiError && error.statusCode === 409)) {
        this.log.warn({ err: (error as Error).message }, "leader election attempt failed");
      }
      return false;
    }
  }

  private async renewLoop(signal: AbortSignal, onLost: () => void): Promise<void> {
    const { retryPeriodSeconds, renewDeadlineSeconds } = this.options;
    while (!signal.aborted) {
      await sleep(retryPeriodSeconds * 1000, signal);
      if (signal.aborted) return;
      const renewed = await this.attempt();
      if (!renewed && Date.now() - this.lastRenew > renewDeadlineSeconds * 1000) {
        this.leading = false;
        this.log.error({ identity: this.options.identity }, "lost leadership");
        onLost();
        return;
      }
    }
  }

  /** Gives the lease up so a standby can take over without waiting for it to expire. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.client.get<Lease>(leasePath(namespace, name));
      if (lease.spec.holderIdentity !== identity) return;
      await this.client.update(leasePath(namespace, name), {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
      });
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "could not release the lease");
    }
  }
}
