import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installation's root folder (package.json, bin/, assets/, build/native/): the repository, or
 * /app in the images. This module is jobs/contract/app-root.ts under tsx and vitest, and
 * build/js/jobs/contract/app-root.js compiled (scripts/build-js.js), two folders deeper. It lives in
 * the shared layer because the command, the operator and the stages all locate the installation.
 */
export function appRootOf(moduleFile: string): string {
  const up = path.resolve(path.dirname(moduleFile), "../..");
  const compiled = path.basename(up) === "js" && path.basename(path.dirname(up)) === "build";
  return compiled ? path.resolve(up, "../..") : up;
}

export const APP_ROOT = appRootOf(fileURLToPath(import.meta.url));
