import { lstat, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { StageFailure } from "./stage-failure.ts";

/**
 * Folders outside the storage root that request inputs may reach through a symbolic link:
 * absolute paths separated by ':' (docs/decisions/0006-input-links-stay-in-the-storage-root.md).
 * The local runner sets it to the installation's assets/, which `--link-assets` links into the root.
 * The twin of jobs/python/src/mammoflow_jobs/input_paths.py.
 */
export const READ_ONLY_ROOTS_ENV = "MAMMOFLOW_READ_ONLY_ROOTS";

/** The read-only roots named in the environment; an entry that is not absolute is refused, not guessed. */
export function readOnlyRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const entries = (env[READ_ONLY_ROOTS_ENV] ?? "").split(":").filter((entry) => entry !== "");
  for (const entry of entries) {
    if (!path.isAbsolute(entry)) {
      throw new StageFailure("BadRequest", `${READ_ONLY_ROOTS_ENV} entry '${entry}' is not an absolute path`);
    }
  }
  return entries;
}

const within = (file: string, folder: string) => {
  const relative = path.relative(folder, file);
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
};

/** A folder's real path; one that does not exist (yet) stands for itself. */
const realOrSelf = (folder: string) => realpath(folder).catch(() => path.resolve(folder));

/**
 * The absolute path of input `name` (`relative` to the storage root), after two checks: it exists
 * (else MissingArtifact), and with every symbolic link on the way resolved it is still inside the
 * storage root or a read-only root (else BadInput naming the link that leaves and where it points).
 * The returned path is the one under the storage root, so messages and relative paths stay readable.
 */
export async function resolveInput(storageRoot: string, name: string, relative: string): Promise<string> {
  const absolute = path.join(storageRoot, relative);
  const exists = await stat(absolute).then(
    () => true,
    () => false,
  );
  if (!exists) throw new StageFailure("MissingArtifact", `input '${name}' does not exist: ${absolute}`, absolute);
  const root = await realOrSelf(storageRoot);
  const target = await realpath(absolute);
  if (within(target, root)) return absolute;
  const allowed = readOnlyRoots();
  for (const folder of allowed) if (within(target, await realOrSelf(folder))) return absolute;
  throw new StageFailure(
    "BadInput",
    `input '${name}' (${relative}) leaves the storage root ${storageRoot}: ${await leavingLink(storageRoot, root, relative)}, ` +
      `so it resolves to ${target}, which is neither in the storage root nor in a read-only root of ` +
      `${READ_ONLY_ROOTS_ENV} (${allowed.length > 0 ? allowed.join(":") : "not set"})`,
    absolute,
  );
}

/** `<step> is a symbolic link to <its text>` for the first step of `relative` whose real path leaves the root. */
async function leavingLink(storageRoot: string, root: string, relative: string): Promise<string> {
  let step = storageRoot;
  for (const part of relative.split("/").filter((p) => p !== "" && p !== ".")) {
    step = path.join(step, part);
    if (!within(await realpath(step), root)) {
      const link = (await lstat(step)).isSymbolicLink() ? await readlink(step) : "(not a link)";
      return `${path.relative(storageRoot, step)} is a symbolic link to ${link}`;
    }
  }
  return "a symbolic link on the way";
}
