import { describe, expect, it } from "vitest";
import { supersededTags } from "../../../scripts/images/podman.ts";

const repo = "localhost/mammoflow/stage-python";

describe("which old image builds the builder removes", () => {
  it("keeps the current build, :dev and the newest other build; drops older hash tags of that image only", () => {
    const images = [
      { Names: [`${repo}:cccc`, `${repo}:dev`], Created: 300 },
      { Names: [`${repo}:cccc`, `${repo}:dev`], Created: 300 },
      { Names: [`${repo}:bbbb`], Created: 200 },
      { Names: [`${repo}:dddd`], Created: 400 },
      { Names: [`${repo}:aaaa`], Created: 100 },
      { Names: ["localhost/mammoflow/stage-ts:eeee"], Created: 50 },
      { Created: 10 },
    ];
    expect(supersededTags(images, repo, `${repo}:cccc`, 1)).toEqual([`${repo}:bbbb`, `${repo}:aaaa`]);
    expect(supersededTags(images, repo, `${repo}:cccc`, 0)).toEqual([`${repo}:dddd`, `${repo}:bbbb`, `${repo}:aaaa`]);
    expect(supersededTags(images, repo, `${repo}:cccc`, 5)).toEqual([]);
  });
});
