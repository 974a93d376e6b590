// The real node's generated files, checked without starting it (tests/cluster/real-node.test.ts
// runs it): containerd's config edits, the hand-made OCI archive, image names, mount discovery.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { containerdConfig, setTomlKey } from "../../cluster/harness/containerd-config.ts";
import { mountsUnder } from "../../cluster/harness/mounts.ts";
import { localImageName } from "../../cluster/harness/node-images.ts";
import { ociArchive, tar } from "../../cluster/harness/oci-archive.ts";

/** Entries of a ustar stream: name → content. */
function untar(data: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= data.length; ) {
    const header = data.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = Number.parseInt(header.subarray(124, 136).toString("utf8"), 8);
    let sum = 0;
    header.forEach((b, i) => {
      sum += i >= 148 && i < 156 ? 32 : b;
    });
    expect(Number.parseInt(header.subarray(148, 156).toString("utf8"), 8)).toBe(sum);
    files.set(name, data.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

describe("containerd's config for the real node", () => {
  const defaults = [
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    "[grpc]",
    '  address = "/run/containerd/containerd.sock"',
    "[plugins]",
    '  [plugins."io.containerd.grpc.v1.cri"]',
    "    netns_mounts_under_state_dir = false",
    "    restrict_oom_score_adj = false",
    '    sandbox_image = "registry.k8s.io/pause:3.6"',
    '    [plugins."io.containerd.grpc.v1.cri".cni]',
    '      bin_dir = "/opt/cni/bin"',
    '      conf_dir = "/etc/cni/net.d"',
    '        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    "          SystemdCgroup = true",
    '  [plugins."io.containerd.internal.v1.opt"]',
    '    path = "/opt/containerd"',
  ].join("\n");
  const settings = {
    root: "/cache/containerd",
    state: "/run/x/state",
    address: "/run/x/c.sock",
    sandboxImage: "localhost/mammoflow-node/pause:abc",
    cniConfDir: "/run/x/cni",
    cniBinDir: "/usr/lib/cni",
  };

  it("changes exactly the keys the machine needs, each in its own section", () => {
    const text = containerdConfig(defaults, settings);
    expect(text).toContain('root = "/cache/containerd"');
    expect(text).toContain('  address = "/run/x/c.sock"');
    expect(text).toContain("    restrict_oom_score_adj = true");
    expect(text).toContain("    netns_mounts_under_state_dir = true");
    expect(text).toContain('    sandbox_image = "localhost/mammoflow-node/pause:abc"');
    expect(text).toContain('      conf_dir = "/run/x/cni"');
    expect(text).toContain("          SystemdCgroup = false");
    expect(text).toContain('    path = "/cache/containerd/opt"');
    expect(text.split("\n")).toHaveLength(defaults.split("\n").length);
  });

  it("fails on a key that is not where containerd's default config had it", () => {
    expect(() => setTomlKey(defaults, "grpc", "sandbox_image", '"x"')).toThrow(/no key sandbox_image in \[grpc\]/);
  });
});

describe("the OCI archive made without an image builder", () => {
  const program = Buffer.from("#!static\n");
  const archive = ociArchive({
    name: "localhost/mammoflow-node/pause:abc",
    files: [{ path: "pause", data: program, mode: 0o755 }],
    entrypoint: ["/pause"],
  });
  const files = untar(archive);
  const blob = (digest: string) => files.get(`blobs/sha256/${digest.replace("sha256:", "")}`);
  const json = (data: Buffer | undefined) => JSON.parse(data?.toString("utf8") ?? "null");

  it("names the image in the index and links index → manifest → config and layer by digest", () => {
    const index = json(files.get("index.json"));
    expect(index.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe(
      "localhost/mammoflow-node/pause:abc",
    );
    for (const [digest, data] of [...files].filter(([n]) => n.startsWith("blobs/"))) {
      expect(`blobs/sha256/${createHash("sha256").update(data).digest("hex")}`).toBe(digest);
    }
    const manifest = json(blob(index.manifests[0].digest));
    const config = json(blob(manifest.config.digest));
    expect(config.config.Entrypoint).toEqual(["/pause"]);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
    expect(untar(blob(manifest.layers[0].digest) as Buffer).get("pause")).toEqual(program);
  });

  it("is the same bytes every time", () => {
    expect(tar([{ path: "a", data: program, mode: 0o644 }])).toEqual(tar([{ path: "a", data: program, mode: 0o644 }]));
    expect(archive.length % 512).toBe(0);
  });
});

describe("podman's local image names", () => {
  it.each([
    ["mammoflow/probe:1", "localhost/mammoflow/probe:1"],
    ["probe", "localhost/probe:latest"],
    ["localhost/mammoflow/probe", "localhost/mammoflow/probe:latest"],
    ["registry.example:5000/x/y:2", "registry.example:5000/x/y:2"],
  ])("%s is %s", (given, full) => {
    expect(localImageName(given)).toBe(full);
  });
});

describe("mounts the node leaves", () => {
  it("lists mounts under a folder, children before their parents, unescaping spaces", () => {
    const mountinfo = [
      "22 1 8:1 / / rw - ext4 /dev/vda rw",
      "39 22 0:49 / /tmp/run/node/kubelet/pods/a rw - tmpfs tmpfs rw",
      "40 39 0:50 / /tmp/run/node/kubelet/pods/a/volumes/shm rw - tmpfs tmpfs rw",
      "41 22 0:51 / /tmp/run/node/containerd-state/netns/cni-1 rw - nsfs nsfs rw",
      "42 22 0:52 / /tmp/run/node2/x rw - tmpfs tmpfs rw",
      "43 22 0:53 / /tmp/run/node/with\\040space rw - tmpfs tmpfs rw",
    ].join("\n");
    const mounts = mountsUnder("/tmp/run/node", mountinfo);
    expect([...mounts].sort()).toEqual([
      "/tmp/run/node/containerd-state/netns/cni-1",
      "/tmp/run/node/kubelet/pods/a",
      "/tmp/run/node/kubelet/pods/a/volumes/shm",
      "/tmp/run/node/with space",
    ]);
    expect(mounts.indexOf("/tmp/run/node/kubelet/pods/a/volumes/shm")).toBeLessThan(
      mounts.indexOf("/tmp/run/node/kubelet/pods/a"),
    );
  });
});
