import { describe, expect, it } from "vitest";
import { PredictRuntime } from "../../../jobs/contract/catalogue/predict.ts";
import { Aggregation } from "../../../jobs/contract/parameters/submission.ts";
import { mammoflow } from "../../support/mammoflow-cli.ts";

// predict's and evaluate's flags default to the stages' values (jobs/contract/catalogue), which
// their help shows once the command is known; registering the commands loads no schema
// (tests/unit/cli/compiled-build.test.ts: `--help` loads commander only).

/** The help's text for one option, its wrapped lines joined and its column padding one space. */
function optionHelp(help: string, flag: string): string {
  const lines = help.split("\n");
  const start = lines.findIndex((line) => line.trimStart().startsWith(flag));
  const end = lines.findIndex((line, i) => i > start && /^ {2}-/.test(line));
  return lines.slice(start, end).join(" ").replace(/\s+/g, " ").trim();
}

describe("the commands' defaults are the stages' schemas'", () => {
  const aggregation = Aggregation.parse({});
  const runtime = PredictRuntime.parse({});

  it("predict --help shows the aggregate stage's threshold and quantile and the predict stage's batch size", async () => {
    const { code, stdout } = await mammoflow("predict", "--help");
    expect(code).toBe(0);
    expect(optionHelp(stdout, "--threshold")).toBe(
      `--threshold <p> a breast is positive when its probability is > p (default: "${aggregation.threshold}")`,
    );
    expect(optionHelp(stdout, "--auto-threshold")).toBe(
      `--auto-threshold use the ${aggregation.autoThresholdQuantile} quantile of the breast probabilities as the threshold`,
    );
    expect(optionHelp(stdout, "--batch-size")).toBe(
      `--batch-size <n> classifier batch size (default: "${runtime.batchSize}")`,
    );
    expect([aggregation.threshold, aggregation.autoThresholdQuantile, runtime.batchSize]).toEqual([0.31, 0.97935, 2]);
  });

  it("evaluate --help shows the aggregate stage's threshold and breast reduction", async () => {
    const { code, stdout } = await mammoflow("evaluate", "--help");
    expect(code).toBe(0);
    expect(optionHelp(stdout, "--threshold")).toBe(
      `--threshold <p> threshold of the submitted 0/1 values (default: "${aggregation.threshold}")`,
    );
    expect(optionHelp(stdout, "--reduction")).toBe(
      `--reduction <mean|max> how images of a breast are combined (default: "${aggregation.breastReduction.toLowerCase()}")`,
    );
  });
});
