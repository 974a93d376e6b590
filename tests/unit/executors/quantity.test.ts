import { describe, expect, it } from "vitest";
import { addMemory, quantityValue } from "../../../operator/executors/kubernetes/quantity.ts";

describe("quantities", () => {
  it("reads decimal and binary suffixes and millis", () => {
    expect(quantityValue("16Gi")).toBe(16 * 2 ** 30);
    expect(quantityValue("500m")).toBe(0.5);
    expect(quantityValue("1.5G")).toBe(1.5e9);
    expect(quantityValue("4")).toBe(4);
    expect(() => quantityValue("4 GB")).toThrow('"4 GB" is not a Kubernetes quantity');
  });

  it("adds memory into whole MiB, as Gi when whole", () => {
    expect(addMemory("48Gi", "32Gi")).toBe("80Gi");
    expect(addMemory("16Gi", "256Mi")).toBe("16640Mi");
    expect(addMemory("1G", "1M")).toBe("955Mi");
  });
});
