// The local Debian base: a bookworm root file system made with mmdebstrap (minbase, like the
// official images' debootstrap minbase) from this host's own Debian mirror, slimmed the way the
// official -slim images are (no docs, man pages or locales; apt caches cleaned after installs),
// with ca-certificates and this host's extra CA certificates (/usr/local/share/ca-certificates:
// the network here may re-sign TLS, and npm/pip in the builds must trust what the host trusts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const SUITE = "bookworm";
const HOST_CA_DIR = "/usr/local/share/ca-certificates";
const FALLBACK_SOURCES = [
  "deb http://deb.debian.org/debian bookworm main",
  "deb http://deb.debian.org/debian bookworm-updates main",
  "deb http://deb.debian.org/debian-security bookworm-security main",
];
const APT_CONF: Record<string, string> = {
  "docker-clean": [
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
  ].join("\n"),
  "docker-no-languages": 'Acquire::Languages "none";',
};
const DPKG_EXCLUDES = [
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/info/*",
  "path-exclude=/usr/share/locale/*",
  "path-exclude=/usr/share/groff/*",
  "path-exclude=/usr/share/lintian/*",
];

/** `deb URI SUITE main` lines for bookworm from the host's APT sources (one-line and deb822). */
export function hostDebianSources(): string[] {
  const files = ["/etc/apt/sources.list"];
  if (existsSync("/etc/apt/sources.list.d")) {
    files.push(...readdirSync("/etc/apt/sources.list.d").map((f) => path.join("/etc/apt/sources.list.d", f)));
  }
  const wanted = new RegExp(`^${SUITE}(-updates|-security)?$`);
  const lines = new Set<string>();
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) =>
          new RegExp(`^${name}:\\s*(.*)$`, "im").exec(stanza.replace(/^#.*$/gm, ""))?.[1]?.trim().split(/\s+/) ?? [];
        if (!field("Types").includes("deb") || !field("Components").includes("main")) continue;
        for (const uri of field("URIs")) {
          for (const suite of field("Suites").filter((s) => wanted.test(s))) lines.add(`deb ${uri} ${suite} main`);
        }
      }
    } else if (file.endsWith(".list") || file === "/etc/apt/sources.list") {
      for (const line of text.split("\n")) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
        if (m?.[1] && m[2] && wanted.test(m[2]) && m[3]?.split(/\s+/).includes("main"))
          lines.add(`deb ${m[1]} ${m[2]} main`);
      }
    }
  }
  return lines.size > 0 ? [...lines] : FALLBACK_SOURCES;
}

function hostCaCertificates(): Record<string, string> {
  const certs: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".crt")) certs[path.relative(HOST_CA_DIR, file)] = readFileSync(file, "utf8");
    }
  };
  if (existsSync(HOST_CA_DIR)) walk(HOST_CA_DIR);
  return certs;
}

/** Everything the root file system is made from (its hash names the base image). */
export function debianRecipe() {
  return {
    suite: SUITE,
    variant: "minbase",
    include: ["ca-certificates"],
    sources: hostDebianSources(),
    aptConf: APT_CONF,
    dpkgExcludes: DPKG_EXCLUDES,
    caCertificates: hostCaCertificates(),
  };
}

/** Makes the root file system tarball (as root: mmdebstrap's root mode) and returns its path. */
export function makeDebianRootfs(recipe: ReturnType<typeof debianRecipe>): { tarball: string; cleanup: () => void } {
  const work = mkdtempSync(path.join(os.tmpdir(), "mammoflow-rootfs-"));
  const overlay = path.join(work, "overlay");
  for (const [name, text] of Object.entries(recipe.aptConf)) {
    mkdirSync(path.join(overlay, "etc/apt/apt.conf.d"), { recursive: true });
    writeFileSync(path.join(overlay, "etc/apt/apt.conf.d", name), `${text}\n`);
  }
  for (const [rel, text] of Object.entries(recipe.caCertificates)) {
    const file = path.join(overlay, "usr/local/share/ca-certificates", rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const tarball = path.join(work, "rootfs.tar");
  execFileSync(
    "mmdebstrap",
    [
      `--variant=${recipe.variant}`,
      `--include=${recipe.include.join(",")}`,
      // Recommends off while making it only (apt.conf.d/99mmdebstrap is removed below).
      '--aptopt=APT::Install-Recommends "false"',
      // Merged /usr made by mmdebstrap itself, as debootstrap does (not the usrmerge package, which
      // would bring perl).
      "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
      ...recipe.dpkgExcludes.map((o) => `--dpkgopt=${o}`),
      `--customize-hook=sync-in ${overlay} /`,
      '--customize-hook=chroot "$1" update-ca-certificates',
      '--customize-hook=rm -f "$1/etc/apt/apt.conf.d/99mmdebstrap"',
      // docker-clean names no package cache, so the final `apt-get clean` would leave these.
      '--customize-hook=rm -f "$1"/var/cache/apt/*.bin',
      recipe.suite,
      tarball,
      ...recipe.sources,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  return { tarball, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}
