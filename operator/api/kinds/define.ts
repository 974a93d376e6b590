import { z } from "zod";
import { API_GROUP_VERSION } from "../group.ts";
import { nameLeavesRoomFor, toCelRule, withInvariants } from "../rules.ts";

/** metadata of a resource: what the API needs to validate; everything else is passed through. */
export const ObjectMeta = z.looseObject({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  generation: z.int().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A column of `kubectl get` (CRD additionalPrinterColumns). */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindOptions<Spec extends z.ZodObject, Status extends z.ZodObject> {
  kind: string;
  plural: string;
  shortNames: string[];
  spec: Spec;
  status: Status;
  /** Kind-specific columns; Phase, Progress, Ready and Age are added to every kind. */
  columns: PrinterColumn[];
  /**
   * What the longest name the operator derives from a resource's name appends to it: for a kind
   * that runs stages, `stageJobSuffix(short name, longest stage id)`; for one that creates
   * resources, its longest child's role and that child's own suffix. Bounds metadata.name.
   */
  longestDerivedSuffix: string;
}

/** What a stage Job's name appends to its resource's name (executors/kubernetes/names.ts). */
export const stageJobSuffix = (shortName: string, stageId: string) => `-${shortName}-${stageId}`;

const commonColumns: PrinterColumn[] = [
  { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Phase of the resource." },
  {
    name: "Progress",
    type: "string",
    jsonPath: ".status.progress.summary",
    description: "Stages finished / stages needed.",
  },
  {
    name: "Ready",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: "Whether the outputs are available.",
  },
];
const ageColumn: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since creation.",
};

/** One custom resource kind: its schemas and everything its CRD needs. */
export function defineKind<Spec extends z.ZodObject, Status extends z.ZodObject>(options: KindOptions<Spec, Status>) {
  const nameRule = nameLeavesRoomFor(options.longestDerivedSuffix);
  const resource = withInvariants(
    z.object({
      apiVersion: z.literal(API_GROUP_VERSION),
      kind: z.literal(options.kind),
      metadata: ObjectMeta,
      spec: options.spec,
      status: options.status.optional(),
    }),
    [nameRule],
  );
  return {
    kind: options.kind,
    plural: options.plural,
    singular: options.kind.toLowerCase(),
    listKind: `${options.kind}List`,
    shortNames: options.shortNames,
    spec: options.spec,
    status: options.status,
    resource,
    longestDerivedSuffix: options.longestDerivedSuffix,
    /** Rules on the whole object (the CRD's root schema): only these may read metadata.name. */
    rootRules: [toCelRule(nameRule)],
    printerColumns: [...options.columns, ...commonColumns, ageColumn],
  };
}

export type KindDefinition = ReturnType<typeof defineKind>;
