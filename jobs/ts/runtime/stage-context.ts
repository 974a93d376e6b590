import { stat } from "node:fs/promises";
import path from "node:path";
import { sha256File } from "../../contract/files.ts";
import type { StageRequest } from "../../contract/request.ts";
import type { ResultArtifact } from "../../contract/result.ts";
import { resolveInput } from "./input-path.ts";
import { StageFailure } from "./stage-failure.ts";

/** What a stage function gets: the request, resolved paths, and the result it fills in. */
export class StageContext {
  readonly artifacts: ResultArtifact[] = [];
  readonly metrics: Record<string, number> = {};
  readonly problems: { item: string; message: string }[] = [];

  constructor(
    readonly request: StageRequest,
    readonly storageRoot: string,
    /** SHA-256 of the request file's bytes (its identity, recorded in result.json); report provenance shows it. */
    readonly requestDigest?: string,
  ) {}

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

export type StageFunction = (context: StageContext) => Promise<void>;
