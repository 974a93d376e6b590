// The storage layout of DESIGN.md §4: everything a stage writes lives under
// runs/<namespace>/<kind>/<name>/<stage>[/<shard>]/, so a resource's outputs can be found from
// its identity alone (no lookups), by the operator, the stages and a person with a shell.

/** Folder of a resource's runs. */
export function resourceDir(namespace: string, kind: string, name: string): string {
  return `runs/${namespace}/${kind}/${name}`;
}

/** Folder of one stage of a resource. */
export function stageDir(namespace: string, kind: string, name: string, stageId: string): string {
  return `${resourceDir(namespace, kind, name)}/${stageId}`;
}

/** Folder of one shard of a sharded stage. */
export function shardDir(stageOutputDir: string, shard: number): string {
  return `${stageOutputDir}/${shard}`;
}
