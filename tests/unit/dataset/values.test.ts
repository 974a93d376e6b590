import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatCsv, parseCsv } from "../../../jobs/ts/dataset/csv.ts";
import { compareCodePoints, sortByKeys } from "../../../jobs/ts/dataset/order.ts";
import { formatColumn, inferCsvColumn, pythonFloatText } from "../../../jobs/ts/dataset/pandas-values.ts";
import { shardRange, shardSlice } from "../../../jobs/ts/dataset/shard.ts";

const ASSETS = path.resolve(import.meta.dirname, "../../../assets/data");

describe("CSV as pandas reads and writes it", () => {
  it.each(["bmcd_cleaned_label.csv", "cmmd_cleaned_label.csv"])(
    "rewrites the seed's %s byte for byte",
    async (name) => {
      const text = await readFile(path.join(ASSETS, name), "utf8");
      expect(formatCsv(parseCsv(text, name))).toBe(text);
    },
  );

  it("quotes only fields with a comma, quote or line break, and doubles quotes", () => {
    const table = {
      columns: ["a", "b"],
      rows: [
        ["x,y", 'say "hi"'],
        ["plain", "two\nlines"],
      ],
    };
    expect(formatCsv(table)).toBe('a,b\n"x,y","say ""hi"""\nplain,"two\nlines"\n');
    expect(parseCsv(formatCsv(table), "t")).toEqual(table);
  });

  it("reads CRLF files and names the line of a short row", () => {
    expect(parseCsv("a,b\r\n1,2\r\n", "crlf.csv").rows).toEqual([["1", "2"]]);
    expect(() => parseCsv("a,b\n1,2\n3\n", "short.csv")).toThrow("short.csv: line 3 has 1 fields, the header has 2");
  });
});

describe("pandas dtypes decide the text of a column", () => {
  it("keeps an integer column integral and turns it float64 when a value is missing", () => {
    const roundTrip = (texts: string[]) => {
      const column = inferCsvColumn(texts);
      return formatColumn(column.cells, column.float);
    };
    expect(roundTrip(["57", "64", "007"])).toEqual(["57", "64", "7"]);
    expect(roundTrip(["57", "", "64"])).toEqual(["57.0", "", "64.0"]);
    expect(roundTrip(["0.5", "2"])).toEqual(["0.5", "2.0"]);
    expect(roundTrip(["61.0", "55.0"])).toEqual(["61.0", "55.0"]);
    expect(formatColumn([57, 64], true)).toEqual(["57.0", "64.0"]);
  });

  it("leaves text columns as read, booleans as Python writes them, missing values empty", () => {
    expect(formatColumn(inferCsvColumn(["4a", "1", "NaN"]).cells)).toEqual(["4a", "1", ""]);
    expect(formatColumn(inferCsvColumn(["False", "True"]).cells)).toEqual(["False", "True"]);
    expect(formatColumn([4, "4A", null, 2.5])).toEqual(["4", "4A", "", "2.5"]);
  });

  it("writes floats as Python's repr", () => {
    expect([63, 0.1, 1e-5, 1e16, 123456.789, -2].map(pythonFloatText)).toEqual([
      "63.0",
      "0.1",
      "1e-05",
      "1e+16",
      "123456.789",
      "-2.0",
    ]);
  });
});

describe("row order", () => {
  it("compares by code point as Python does (not by locale or UTF-16 unit)", () => {
    const names = [
      "normal_10",
      "Normal_2",
      "normal_1",
      "suspicious_1",
      "normal_1CC_recent",
      "é",
      "\u{1F600}",
      "\uFFFF",
    ];
    expect([...names].sort(compareCodePoints)).toEqual([
      "Normal_2",
      "normal_1",
      "normal_10",
      "normal_1CC_recent",
      "suspicious_1",
      "é",
      "\uFFFF",
      "\u{1F600}",
    ]);
  });

  it("sorts by several keys and keeps the input order of ties", () => {
    const rows = [
      ["b", "2", "first"],
      ["a", "9", "x"],
      ["b", "10", "y"],
      ["b", "2", "second"],
    ];
    expect(sortByKeys(rows, [(r) => r[0] as string, (r) => r[1] as string]).map((r) => r[2])).toEqual([
      "x",
      "y",
      "first",
      "second",
    ]);
  });
});

describe("shards", () => {
  it("cut n items into contiguous slices whose sizes differ by at most one", () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const slices = [0, 1, 2].map((index) => shardSlice(items, { index, count: 3 }));
    expect(slices).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect([0, 1, 2, 3].map((index) => shardSlice(["a", "b"], { index, count: 4 }))).toEqual([[], ["a"], [], ["b"]]);
  });

  it("refuse an index outside the count", () => {
    expect(() => shardRange(5, { index: 3, count: 3 })).toThrow("shard index must be in [0, 3), got 3");
  });
});
