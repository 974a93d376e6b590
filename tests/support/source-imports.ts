// The import specifiers of the project's TypeScript sources, as the compiler reads them: static
// imports, `export ... from`, `import type` and `import()` (ts.preProcessFile skips comments and
// strings). The architecture and image tests check them against their rules.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export interface SourceImport {
  /** The importing file, relative to the repository root with "/" separators. */
  file: string;
  specifier: string;
  line: number;
}

/** The .ts files under the given folders (relative to the root), sorted. */
export function sourceFilesUnder(folders: readonly string[], root = REPO_ROOT): string[] {
  return folders
    .flatMap((folder) =>
      readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/")),
    )
    .sort();
}

/** Every import specifier of one file's text. */
export function importsOf(file: string, text: string): SourceImport[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((imported) => ({
    file,
    specifier: imported.fileName,
    line: text.slice(0, imported.pos).split("\n").length,
  }));
}

/** Every import specifier of the .ts files under the given folders. */
export function sourceImports(folders: readonly string[], root = REPO_ROOT): SourceImport[] {
  return sourceFilesUnder(folders, root).flatMap((file) =>
    importsOf(file, readFileSync(path.join(root, file), "utf8")),
  );
}

/** The repository-relative path a relative specifier names; undefined for a package or `node:` module. */
export function resolvedPath(source: SourceImport): string | undefined {
  if (!source.specifier.startsWith(".")) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(source.file), source.specifier));
}

/** The npm package a bare specifier names (`@scope/name` or `name`); undefined for relative and `node:` ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}
