#!/usr/bin/env node
// The `mammoflow` command. It runs the compiled JavaScript in build/js/ (scripts/build-js.js,
// `npm run build`), not the TypeScript sources: without a TypeScript loader the command, the stage
// pods and their worker threads start in a fraction of the time. In a checkout (the sources beside
// it) the build is first checked against them and recompiled when they changed, so that an edited
// source never runs as its old build; the images ship build/js without the sources and run it.
// MAMMOFLOW_TSX=1 runs the sources through tsx instead (a development convenience; slow start).
import { existsSync } from "node:fs";

// build/js has source maps: with --debug (which prints stacks) they name the TypeScript lines.
if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);

let entry = "../build/js/cli/main.js";
if (process.env.MAMMOFLOW_TSX === "1") {
  const { register } = await import("tsx/esm/api");
  register();
  entry = "../cli/main.ts";
} else if (existsSync(new URL("../cli/main.ts", import.meta.url))) {
  const { ensureBuild } = await import("../scripts/build-js.js");
  try {
    // Silent unless someone is watching: tests and tools compare stderr.
    await ensureBuild(undefined, (why) => {
      if (process.stderr.isTTY) process.stderr.write(`mammoflow: ${why}; compiling build/js\n`);
    });
  } catch (error) {
    process.stderr.write(
      `mammoflow: build/js does not match the TypeScript sources and could not be rebuilt: ${error.message}\n` +
        "mammoflow: fix that, then run `npm run build`\n",
    );
    process.exit(1);
  }
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
