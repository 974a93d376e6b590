import { stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { sha256File } from "../../contract/files.ts";
import type { StageRequest } from "../../contract/request.ts";
import type { ResultArtifact } from "../../contract/result.ts";
import { STAGE_CATALOGUE, type StageInputs, type StageName, type StageParameters } from "../../contract/stages.ts";
import { resolveInput } from "./input-path.ts";
import { StageFailure } from "./stage-failure.ts";

/** The request as the runner, which serves every stage, reads it. */
type AnyStageRequest = Omit<StageRequest, "inputs"> & { inputs: Readonly<Record<string, string | undefined>> };

/** What a stage function gets: the request, resolved paths, and the result it fills in. */
export class StageContext {
  readonly artifacts: ResultArtifact[] = [];
  readonly metrics: Record<string, number> = {};
  readonly problems: { item: string; message: string }[] = [];
  /**
   * What a checking stage found, for the operator to act on (check-inputs: the missing paths):
   * listed in the termination message as far as it has room (jobs/contract/termination.ts).
   */
  readonly findings: string[] = [];
  readonly request: AnyStageRequest;

  constructor(
    request: StageRequest,
    readonly storageRoot: string,
    /** SHA-256 of the request file's bytes (its identity, recorded in result.json); report provenance shows it. */
    readonly requestDigest?: string,
  ) {
    this.request = request;
  }

  /**
   * The context as the program of `stage` reads it, typed by the stage's catalogue entry: an
   * input name the stage does not declare fails to compile. A request of another stage is refused.
   */
  static of<S extends StageName>(
    stage: S,
    request: StageRequest,
    storageRoot: string,
    requestDigest?: string,
  ): StageContextOf<S> {
    if (request.stage !== stage) {
      throw new StageFailure("BadRequest", `the request is for stage '${request.stage}', not '${stage}'`);
    }
    // The request names this stage, so its inputs are the ones the stage declares (a missing
    // required one still fails in inputPath, naming it).
    return new StageContext(request, storageRoot, requestDigest) as unknown as StageContextOf<S>;
  }

  /**
   * The request's parameters as the stage reads them: validated by the stage's catalogue schema,
   * every default the catalogue holds applied (the seed's, the API's). A problem is a permanent
   * BadRequest naming the field.
   */
  parameters(): StageParameters<StageName> {
    const stage = this.request.stage;
    const parsed = STAGE_CATALOGUE[stage].parameters.safeParse(this.request.parameters);
    if (!parsed.success) {
      throw new StageFailure("BadRequest", `${stage} parameters are invalid:\n${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  get outputDir(): string {
    return path.join(this.storageRoot, this.request.outputDir);
  }

  /**
   * Absolute path of a named input; a missing name or file, or a link out of the storage root
   * that no read-only root allows (input-path.ts), is a permanent failure.
   */
  async inputPath(name: string): Promise<string> {
    const relative = this.request.inputs[name];
    if (relative === undefined) throw new StageFailure("BadRequest", `request has no input named '${name}'`);
    return resolveInput(this.storageRoot, name, relative);
  }

  /** Records an output file (hashed) or folder, relative to the storage root. */
  async addArtifact(name: string, absolutePath: string): Promise<void> {
    const info = await stat(absolutePath);
    const artifact: ResultArtifact = { name, path: path.relative(this.storageRoot, absolutePath) };
    if (info.isFile()) {
      artifact.sha256 = await sha256File(absolutePath);
      artifact.sizeBytes = info.size;
    }
    this.artifacts.push(artifact);
  }

  addProblem(item: string, message: string): void {
    this.problems.push({ item, message });
  }
}

/**
 * The context of stage `S`'s program: its request's `inputs` and `inputPath` names typed by the
 * stage's catalogue entry (jobs/contract/catalogue), its `parameters()` by the stage's schema.
 */
export type StageContextOf<S extends StageName> = Omit<StageContext, "request" | "inputPath" | "parameters"> & {
  readonly request: Omit<StageRequest, "inputs" | "stage"> & { stage: S; inputs: StageInputs<S> };
  inputPath(name: keyof StageInputs<S> & string): Promise<string>;
  parameters(): StageParameters<S>;
};

export type StageFunction<S extends StageName> = (context: StageContextOf<S>) => Promise<void>;

/** Stage programs by name, each typed by its own catalogue entry. */
export type StagePrograms = { readonly [S in StageName]?: StageFunction<S> };
