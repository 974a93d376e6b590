// The decode pool's order: the costliest files first (JPEG 2000 weighs 8× its bytes), found from
// each file's first bytes without decoding it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { costliestFirst, transferSyntaxInHead } from "../../../jobs/ts/dicom/batch/schedule.ts";
import { dicomFile } from "../../support/dicom-builder.ts";

describe("transferSyntaxInHead", () => {
  it("reads (0002,0010) from a Part-10 meta group, without its padding", () => {
    for (const uid of ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"]) {
      const head = dicomFile().transferSyntax(uid).build().subarray(0, 4096);
      expect(transferSyntaxInHead(head)).toBe(uid);
    }
  });

  it("is undefined for bytes that are not a meta group, or a head cut before the UID", () => {
    expect(transferSyntaxInHead(new Uint8Array(500).fill(7))).toBeUndefined();
    expect(transferSyntaxInHead(new Uint8Array(10))).toBeUndefined();
    const file = dicomFile().transferSyntax("1.2.840.10008.1.2.4.90").build();
    expect(transferSyntaxInHead(file.subarray(0, 140))).toBeUndefined();
  });
});

describe("costliestFirst", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("puts JPEG 2000 files first (8× their size), then the rest by size; ties and unreadable files keep their order", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mammoflow-schedule-"));
    const image = (side: number, syntax = "1.2.840.10008.1.2.1") =>
      dicomFile()
        .transferSyntax(syntax)
        .rows(side)
        .columns(side)
        .pixels16(Array.from({ length: side * side }, (_, i) => i % 4096))
        .build();
    const files: Record<string, Uint8Array> = {
      "tie-1.dcm": image(16), // ~0.8 kB
      "native-10k.dcm": image(70), // ~10 kB
      "j2k-2k.dcm": image(30, "1.2.840.10008.1.2.4.90"), // ~2 kB, weighs ~17 kB
      "garbage-5k.dcm": new Uint8Array(5000).fill(7), // no meta group: its size as it is
      "tie-2.dcm": image(16),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
    const task = (name: string) => ({ file: path.join(dir, name), output: `${name}.png`, mode: "window" as const });
    const names = ["tie-1.dcm", "missing.dcm", "native-10k.dcm", "j2k-2k.dcm", "garbage-5k.dcm", "tie-2.dcm"];
    const order = await costliestFirst(names.map(task));
    expect(order.map((t) => path.basename(t.file))).toEqual([
      "j2k-2k.dcm",
      "native-10k.dcm",
      "garbage-5k.dcm",
      "tie-1.dcm",
      "tie-2.dcm",
      "missing.dcm",
    ]);
    expect(order.map((t) => t.output)).toEqual(order.map((t) => `${path.basename(t.file)}.png`));
  });
});
