// containerd's configuration for the real node: `containerd config default` with the few keys this
// machine needs changed (shared/reference/real-kubelet.md). Editing the default text, rather than
// writing a config from scratch, keeps every other setting at this containerd's own default; a key
// that is not where it is expected fails loudly, so a containerd upgrade cannot silently drop one.

export interface ContainerdSettings {
  /** Persistent: content and snapshots, so imported images outlive the run. */
  root: string;
  /** Per run: sockets, task bundles, sandbox mounts. */
  state: string;
  /** Its own socket, so it never meets a system containerd. */
  address: string;
  sandboxImage: string;
  cniConfDir: string;
  cniBinDir: string;
}

const quote = (value: string) => JSON.stringify(value);

/**
 * Replaces `key = ...` inside `[section]` (section "" = the top level, before any header) of a
 * TOML text as `containerd config default` prints it: one key per line, headers on their own.
 */
export function setTomlKey(text: string, section: string, key: string, value: string): string {
  const lines = text.split("\n");
  let current = "";
  let done = false;
  const out = lines.map((line) => {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header?.[1] !== undefined) {
      current = header[1];
      return line;
    }
    const match = /^(\s*)([^\s=]+)\s*=/.exec(line);
    if (!done && current === section && match?.[2] === key) {
      done = true;
      return `${match[1]}${key} = ${value}`;
    }
    return line;
  });
  if (!done) throw new Error(`containerd config: no key ${key} in [${section}]`);
  return out.join("\n");
}

const CRI = 'plugins."io.containerd.grpc.v1.cri"';

/** The default configuration text with the real node's settings. */
export function containerdConfig(defaults: string, s: ContainerdSettings): string {
  const edits: [section: string, key: string, value: string][] = [
    ["", "root", quote(s.root)],
    ["", "state", quote(s.state)],
    ["grpc", "address", quote(s.address)],
    [CRI, "sandbox_image", quote(s.sandboxImage)],
    // Sandboxes ask for a negative OOM score, which needs a capability these machines do not
    // grant: without this every sandbox fails ("can't get final child's PID from pipe: EOF").
    [CRI, "restrict_oom_score_adj", "true"],
    // Network namespaces under the run's state folder, where stop() unmounts what is left.
    [CRI, "netns_mounts_under_state_dir", "true"],
    [`${CRI}.cni`, "bin_dir", quote(s.cniBinDir)],
    [`${CRI}.cni`, "conf_dir", quote(s.cniConfDir)],
    // Not /opt/containerd on the host.
    ['plugins."io.containerd.internal.v1.opt"', "path", quote(`${s.root}/opt`)],
    // No systemd here: the kubelet uses cgroupfs too.
    [`${CRI}.containerd.runtimes.runc.options`, "SystemdCgroup", "false"],
  ];
  return edits.reduce((text, [section, key, value]) => setTomlKey(text, section, key, value), defaults);
}
