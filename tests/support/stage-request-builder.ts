// Stage requests for tests, built field by field from a sensible default (JobSet style):
// makeStageRequest("aggregate").owner("Submission", "demo").input("labels", LABELS).obj().
// The default owner is Submission "demo" of the local runner's namespace; the output folder is
// the owner's folder for the stage (runs/<namespace>/<Kind>/<name>/<stage>) unless set.
import { writeFile } from "node:fs/promises";
import { canonicalJson } from "../../jobs/contract/canonical-json.ts";
import { STAGE_API_VERSION, type StageRequest } from "../../jobs/contract/request.ts";
import type { StageInputs, StageName } from "../../jobs/contract/stages.ts";

class StageRequestBuilder<S extends StageName> {
  private request: Omit<StageRequest, "outputDir"> & { outputDir?: string };

  constructor(stage: S) {
    this.request = {
      apiVersion: STAGE_API_VERSION,
      stage,
      owner: { kind: "Submission", namespace: "local", name: "demo" },
      inputs: {},
      parameters: {},
    };
  }

  /** owner: the resource the stage works for */
  owner(kind: string, name: string, namespace = "local"): this {
    this.request.owner = { kind, namespace, name };
    return this;
  }

  /** an input the stage declares, by its path under the storage root */
  input(name: keyof StageInputs<S> & string, path: string): this {
    this.request.inputs[name] = path;
    return this;
  }

  /** inputDigests: the request digest of the stage that wrote an input */
  inputDigest(name: keyof StageInputs<S> & string, digest: string): this {
    this.request.inputDigests = { ...this.request.inputDigests, [name]: digest };
    return this;
  }

  /** parameters (merged into those set before); unchecked, so a test can send a wrong one */
  parameters(parameters: Record<string, unknown>): this {
    Object.assign(this.request.parameters, parameters);
    return this;
  }

  outputDir(dir: string): this {
    this.request.outputDir = dir;
    return this;
  }

  /** shard: this process's slice of the work */
  shard(index: number, count: number): this {
    this.request.shard = { index, count };
    return this;
  }

  obj(): StageRequest {
    const { owner, stage } = this.request;
    const outputDir = this.request.outputDir ?? `runs/${owner.namespace}/${owner.kind}/${owner.name}/${stage}`;
    return structuredClone({ ...this.request, outputDir });
  }

  /** The request as a runner writes it: canonical JSON (its bytes are its identity). */
  json(): string {
    return canonicalJson(this.obj());
  }

  /** Writes the request file `file` and returns its path. */
  async write(file: string): Promise<string> {
    await writeFile(file, this.json());
    return file;
  }
}

export const makeStageRequest = <S extends StageName>(stage: S) => new StageRequestBuilder(stage);
