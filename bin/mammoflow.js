#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx's loader is registered in-process, so the command
// works from any directory and the sources are the only build output.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../operator/cli/main.ts");
process.exitCode = await main(process.argv);
