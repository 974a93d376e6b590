import { describe, expect, it } from "vitest";
import { StringTable } from "../../../operator/kube/string-interning.ts";

describe("the informers' string table", () => {
  it("gives every short string of an object the copy it already holds, leaving values and long strings as they are", () => {
    const table = new StringTable();
    const first = JSON.parse('{"metadata":{"namespace":"bench","labels":{"k":"RoiDetectorTraining"}},"list":["True"]}');
    const second = JSON.parse(
      '{"metadata":{"namespace":"bench","labels":{"k":"RoiDetectorTraining"}},"list":["True"]}',
    );
    const long = "m".repeat(65);
    expect(table.internAll(first)).toBe(first);
    expect(table.internAll({ ...second, message: long, count: 3, ok: true, none: null })).toEqual({
      ...first,
      message: long,
      count: 3,
      ok: true,
      none: null,
    });
    expect(table.size).toBe(3);
    expect(table.intern(`${"m".repeat(64)}`)).toBe("m".repeat(64));
    expect(table.size).toBe(4);
  });

  it("starts again empty when full, so strings no object holds any more do not pile up", () => {
    const table = new StringTable(3);
    for (const s of ["a", "b", "c"]) table.intern(s);
    expect(table.size).toBe(3);
    table.intern("b");
    expect(table.size).toBe(3);
    table.intern("d");
    expect(table.size).toBe(1);
  });
});
