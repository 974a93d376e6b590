// One chart template rendered by the real helm (built into .tools/bin by `npm run setup:test`),
// so a cluster test applies exactly the objects a `helm install` would.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const HELM = path.join(REPO_ROOT, ".tools/bin/helm");

/**
 * Renders `templates/<template>` for a release (whose name contains the chart's name, so the
 * chart's fullname is the release name) with the given `--set` values.
 */
export function renderTemplate(
  template: string,
  release: { name: string; namespace: string },
  values: Record<string, string> = {},
): Record<string, unknown>[] {
  if (!release.name.includes("mammoflow")) throw new Error("the release name must contain 'mammoflow'");
  const args = ["template", release.name, path.join(REPO_ROOT, "charts/mammoflow")];
  args.push("--namespace", release.namespace, "--show-only", `templates/${template}`);
  for (const [key, value] of Object.entries(values)) args.push("--set", `${key}=${value}`);
  return parseAllDocuments(execFileSync(HELM, args, { encoding: "utf8" }))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}
