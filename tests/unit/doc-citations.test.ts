import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { danglingCitations, githubAnchors } from "../support/doc-anchors.js";

// Comments cite the seed's facts as docs/seed-pipeline.md#<anchor>; an anchor that the document
// does not have is a citation a reader cannot follow.
const DOC = "docs/seed-pipeline.md";
/** A citation written so that this file does not itself contain it. */
const cite = (anchor: string) => `${DOC}#${anchor}`;
const EXTENSIONS = [".ts", ".py", ".md", ".yaml"];

describe("githubAnchors", () => {
  it("makes GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered", () => {
    const anchors = githubAnchors(
      [
        "# The seed pipeline",
        "## J3 — Breast ROI crop",
        "### Path A — inference",
        "## Loss, optimiser & `EMA`",
        "## Notes",
        "## Notes",
        "```",
        "## not a heading",
        "```",
        '<a id="quirk-4"></a>',
      ].join("\n"),
    );
    expect([...anchors]).toEqual([
      "the-seed-pipeline",
      "j3--breast-roi-crop",
      "path-a--inference",
      "loss-optimiser--ema",
      "notes",
      "notes-1",
      "quirk-4",
    ]);
  });
});

describe("citations of docs/seed-pipeline.md", () => {
  const scratch = mkdtemp(join(tmpdir(), "doc-citations-"));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it("all name an anchor the document has", async () => {
    const dangling = await danglingCitations(process.cwd(), DOC, EXTENSIONS);
    expect(dangling.map((c) => `${c.file}:${c.line}: #${c.anchor} is not in ${DOC}`)).toEqual([]);
  });

  it("are reported with file and line when the anchor is missing", async () => {
    const root = await scratch;
    await mkdir(join(root, "docs"));
    await mkdir(join(root, "src"));
    await writeFile(join(root, DOC), "# Seed\n\n## Windowing\n\nSee [windowing](#windowing) and [gone](#gone).\n");
    await writeFile(join(root, "src/window.ts"), `// ${cite("windowing")}\n\n/** ${cite("windowin")} (typo) */\n`);
    await writeFile(join(root, "src/old.py"), `"""${cite("training-runs")}"""\n`);
    expect(await danglingCitations(root, DOC, EXTENSIONS)).toEqual([
      { file: DOC, line: 5, anchor: "gone" },
      { file: "src/old.py", line: 1, anchor: "training-runs" },
      { file: "src/window.ts", line: 3, anchor: "windowin" },
    ]);
  });
});
