// .dockerignore as podman/Docker apply it to COPY: patterns relative to the context root, `*` and
// `?` within one path segment, `**` across segments, `!` re-includes, the last matching line wins,
// and a pattern that matches a folder excludes everything under it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

interface Rule {
  negated: boolean;
  regex: RegExp;
}

function toRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** A predicate telling whether a context-relative path (with `/`) is excluded. */
export function dockerignoreMatcher(contextDir: string): (relPath: string) => boolean {
  const file = path.join(contextDir, ".dockerignore");
  const rules: Rule[] = (existsSync(file) ? readFileSync(file, "utf8") : "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = path.posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, "");
      return { negated, regex: toRegex(pattern) };
    });
  return (relPath) => {
    const parts = relPath.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negated;
    }
    return excluded;
  };
}
