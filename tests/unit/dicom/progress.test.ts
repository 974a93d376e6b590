import { describe, expect, it } from "vitest";
import { progressBar } from "../../../jobs/ts/dicom/batch/progress.ts";

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
}

describe("decode progress bar", () => {
  it("redraws one line per file on a TTY and ends it", () => {
    const tty = stream(true);
    const bar = progressBar(4, tty.stream);
    bar.tick(true);
    bar.tick(false);
    bar.finish();
    expect(tty.written).toEqual([
      `\r[${"#".repeat(8)}${" ".repeat(22)}] 1/4  failed 0`,
      `\r[${"#".repeat(15)}${" ".repeat(15)}] 2/4  failed 1`,
      "\n",
    ]);
  });

  it("prints nothing when the output is not a terminal", () => {
    const pipe = stream(false);
    const bar = progressBar(4, pipe.stream);
    bar.tick(true);
    bar.finish();
    expect(pipe.written).toEqual([]);
  });
});
