import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../charts/mammoflow");

/**
 * Renders one chart template for a release whose name contains the chart's name (so the
 * chart's fullname is the release name). Only the template constructs the RBAC template uses
 * are known; anything else fails, so the rendered objects are exactly the chart's.
 */
export function renderTemplate(
  template: string,
  release: { name: string; namespace: string },
): Record<string, unknown>[] {
  if (!release.name.includes("mammoflow")) throw new Error("the release name must contain 'mammoflow'");
  const source = readFileSync(path.join(CHART, "templates", template), "utf8");
  const text = source
    .replace(
      /^( *)\{\{- include "mammoflow\.labels" \. \| nindent (\d+) \}\}\n/gm,
      (_m, _indent, n: string) =>
        `${" ".repeat(Number(n))}app.kubernetes.io/name: mammoflow\n${" ".repeat(Number(n))}app.kubernetes.io/instance: ${release.name}\n`,
    )
    .replaceAll('{{ include "mammoflow.fullname" . }}', release.name)
    .replaceAll('{{ include "mammoflow.serviceAccountName" . }}', release.name)
    .replaceAll("{{ .Release.Namespace }}", release.namespace);
  const leftover = text.match(/\{\{.*\}\}/);
  if (leftover) throw new Error(`unsupported template construct in ${template}: ${leftover[0]}`);
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}
