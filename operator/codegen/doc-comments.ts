import { Project } from "ts-morph";

/**
 * Reads the doc comment above each exported `<Kind>Spec` in the API kinds folder. Those comments
 * are the one place a kind is described in prose; the CRDs and the API reference both use them.
 */
export function readKindDescriptions(kindsDir: string): Map<string, string> {
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  project.addSourceFilesAtPaths(`${kindsDir}/*.ts`);
  const descriptions = new Map<string, string>();
  for (const file of project.getSourceFiles()) {
    for (const statement of file.getVariableStatements()) {
      if (!statement.isExported()) continue;
      for (const declaration of statement.getDeclarations()) {
        const match = /^(\w+)Spec$/.exec(declaration.getName());
        if (!match?.[1]) continue;
        const text = statement
          .getJsDocs()
          .map((doc) => doc.getDescription().trim())
          .join("\n")
          .replace(/\s*\n\s*/g, " ")
          .trim();
        if (text) descriptions.set(match[1], text);
      }
    }
  }
  return descriptions;
}
