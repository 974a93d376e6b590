import { z } from "zod";
import { withInvariants } from "../invariants.ts";

/**
 * A path relative to the storage root (the shared volume on a cluster, a folder locally).
 * Absolute paths and `..` segments are refused so that no spec can reach outside the root.
 */
export const StoragePath = withInvariants(z.string().min(1).max(1024).describe("Path relative to the storage root."), [
  {
    cel: "!self.startsWith('/') && !('/' + self + '/').contains('/../')",
    message: "must be relative to the storage root and must not contain '..'",
    holds: (path) => !path.startsWith("/") && !`/${path}/`.includes("/../"),
  },
]);
export type StoragePath = z.infer<typeof StoragePath>;

/** Objects nested in a spec default to their own defaults when omitted. */
export function defaulted<S extends z.ZodObject>(schema: S) {
  const defaultedSchema = schema.prefault({} as z.input<S>);
  return schema.description ? defaultedSchema.describe(schema.description) : defaultedSchema;
}
