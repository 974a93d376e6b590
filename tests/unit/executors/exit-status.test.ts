import { describe, expect, it } from "vitest";
import { describeExit } from "../../../operator/executors/local/exit-status.ts";

describe("describeExit", () => {
  it("names the signal that killed the stage, with the status a shell or a pod shows", () => {
    expect(describeExit(null, "SIGKILL")).toBe("killed by SIGKILL (exit 137; out of memory?)");
    expect(describeExit(null, "SIGTERM")).toBe("killed by SIGTERM (exit 143)");
    expect(describeExit(null, "SIGSEGV")).toBe("killed by SIGSEGV (exit 139)");
  });

  it("reads a status above 128 as a signalled process of the stage", () => {
    expect(describeExit(137, null)).toBe("exit 137 (128 + SIGKILL: a process of the stage was killed; out of memory?)");
    expect(describeExit(134, null)).toBe("exit 134 (128 + SIGABRT: a process of the stage was killed)");
  });

  it("keeps a plain exit code as it is", () => {
    expect(describeExit(1, null)).toBe("exit 1");
    expect(describeExit(2, null)).toBe("exit 2");
    expect(describeExit(0, null)).toBe("exit 0");
    expect(describeExit(200, null)).toBe("exit 200");
  });
});
