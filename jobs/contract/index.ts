export * from "./canonical-json.ts";
export * from "./exit-codes.ts";
export * from "./progress.ts";
export * from "./request.ts";
export * from "./result.ts";
export * from "./stages.ts";
export * from "./termination.ts";
