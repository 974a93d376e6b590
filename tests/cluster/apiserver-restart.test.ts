// The kube-apiserver is restarted while the operator is in the middle of a Trained reproduction
// (two stages just finished, their successors about to be created): the operator keeps running
// and keeps the Lease, its informers fail and watch again, and the run ends as it would have
// without the restart: one Job per stage and request, every resource Succeeded.
import { describe, expect, it } from "vitest";
import { restartApiServer } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { leaderIdentity } from "./support/operator-process.ts";
import {
  createWithFirstJobsHeld,
  expectSucceedsOnce,
  SUCCEED_ALL,
  WHOLE_RUN_MS,
} from "./support/trained-reproduction.ts";
import { waitFor } from "./support/wait.ts";

// A renew deadline far longer than a restart takes on a loaded machine: the leader must ride the
// outage out, not lose the Lease (a lost Lease ends the process by design; leader-election.test.ts).
const OPERATOR = {
  metricsPort: 0,
  healthPort: 0,
  resyncSeconds: 30,
  leaseDurationSeconds: 240,
  renewDeadlineSeconds: 180,
  retryPeriodSeconds: 2,
};

interface LogLine {
  msg: string;
  informer?: string;
}

describe("kube-apiserver restart", () => {
  const cluster = useClusterNamespace("apiserver");
  const logOf = () =>
    cluster.operator
      .logs()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  const logged = (msg: string) => logOf().filter((l) => l.msg === msg);
  const lease = async () =>
    (
      await cluster.admin.get<{ spec: { holderIdentity?: string; leaseTransitions?: number } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${cluster.name}/leases/mammoflow-operator`,
      )
    ).spec;

  it(
    "rides out a restart mid-reconcile: no crash, same leader, informers watch again, no duplicate Jobs",
    async () => {
      const operator = cluster.startOperator({ config: { operator: OPERATOR } });
      const firstUids = await createWithFirstJobsHeld(cluster);
      const holder = (await lease()).holderIdentity;
      expect(holder).toBe(leaderIdentity(operator));

      // Both first stages finish now: the Job controller, the operator's informers and its
      // reconciles (status writes, the next stages' Jobs) are all at work when the API server goes.
      await cluster.behave(SUCCEED_ALL);
      const watchesFailedBefore = logged("watch failed").length;
      const renewalsFailedBefore = logged("leader election attempt failed").length;
      const restartedAt = Date.now();
      // kube-apiserver stops accepting connections at once on SIGTERM but holds open watches until
      // it is killed (processes.ts stopProcess, 10 s): it stays down until the operator has seen
      // both, a renewal refused and its watches broken.
      await restartApiServer(async () => {
        await waitFor(
          "the operator to see the API server gone",
          () =>
            logged("watch failed").length > watchesFailedBefore &&
            logged("leader election attempt failed").length > renewalsFailedBefore,
          120_000,
          () => logOf().slice(-5),
        );
      });
      console.info(`kube-apiserver restarted and ready again in ${Date.now() - restartedAt} ms`);

      await expectSucceedsOnce(cluster, firstUids);

      // Still the same process and the same leader: nothing exited, the Lease never changed hands.
      expect(await Promise.race([operator.exited, Promise.resolve("running")])).toBe("running");
      expect(await lease()).toMatchObject({ holderIdentity: holder, leaseTransitions: 0 });
      expect(
        logOf()
          .filter((l) => l.msg === "lost leadership" || l.msg === "became leader")
          .map((l) => l.msg),
      ).toEqual(["became leader"]);
      // The Job informer noticed the outage; it watched again after it, or the Jobs created after
      // the restart (build-engine, predict, aggregate) would never have been seen to complete.
      expect(
        logged("watch failed")
          .slice(watchesFailedBefore)
          .map((l) => l.informer),
      ).toContain("Job");
    },
    WHOLE_RUN_MS,
  );
});
