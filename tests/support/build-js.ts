// Vitest global setup: the tests that spawn `mammoflow` run the compiled build (bin/mammoflow.js
// runs build/js), so it is brought up to date once here rather than by the first of many CLI
// processes starting at once (they would wait on each other for the build's lock).
// @ts-expect-error the builder is plain JavaScript (Node runs it without a TypeScript loader)
import { ensureBuild } from "../../scripts/build-js.js";

export default async function setup(): Promise<void> {
  await ensureBuild();
}
