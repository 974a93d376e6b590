import { LocalPlanError, type LocalStep } from "./local-plan.ts";

const within = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);

/**
 * The stages `mammoflow run --force [KIND/NAME[/STAGE]]` runs whatever result stands for them, as
 * `Kind/name/stage-id`: all (no target), a resource's (a Reproduction's: its children's) or one
 * stage, and every stage that reads
 * their outputs, across resources. The reuse rule would re-run those dependants by itself (a new
 * outputDigest is a changed input); naming them makes the plan say so and keeps them off the
 * result cache too.
 */
export function forcedStages(steps: readonly LocalStep[], target: true | string): Set<string> {
  const all = steps.flatMap((step) =>
    step.stages.map((plan) => ({
      key: `${step.resource.kind}/${step.resource.name}/${plan.id}`,
      origin: step.origin,
      plan,
    })),
  );
  if (target === true) return new Set(all.map((s) => s.key));
  const [kind, name, ...rest] = target.split("/");
  if (!kind || !name) throw new LocalPlanError(`--force ${target}: expected KIND/NAME or KIND/NAME/STAGE`);
  const resource = `${kind}/${name}`;
  const step = steps.find((s) => `${s.resource.kind}/${s.resource.name}` === resource);
  const made = steps.some((s) => s.origin === resource && `${s.resource.kind}/${s.resource.name}` !== resource);
  if (!step && !(made && rest.length === 0)) {
    const known = [...new Set(steps.flatMap((s) => [s.origin, `${s.resource.kind}/${s.resource.name}`]))].join(", ");
    throw new LocalPlanError(`--force ${target}: no resource ${resource} in this run (known: ${known})`);
  }
  const stage = rest.join("/");
  if (step && stage && !step.stages.some((plan) => plan.id === stage)) {
    const known = step.stages.map((plan) => plan.id).join(", ");
    throw new LocalPlanError(`--force ${target}: ${resource} has no stage '${stage}' (its stages: ${known})`);
  }
  const forced = new Set<string>();
  const forcedDirs: string[] = [];
  // Steps and their stages are in dependency order, so one pass reaches everything downstream.
  for (const { key, origin, plan } of all) {
    const named = stage ? key === `${resource}/${stage}` : key.startsWith(`${resource}/`) || origin === resource;
    const downstream = Object.values(plan.inputs).some((input) => forcedDirs.some((dir) => within(input, dir)));
    if (!named && !downstream) continue;
    forced.add(key);
    forcedDirs.push(plan.outputDir);
  }
  return forced;
}
