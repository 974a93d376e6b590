"""Prints a sheet as pandas.read_excel (openpyxl) reads it, the reference for jobs/ts/dataset/xlsx.ts.

Usage: read_excel.py FILE. Prints {"first": frame, "sheets": {name: frame}}: the sheet pandas
reads when none is named, and every sheet by name (one process: importing pandas is slow). dtype=object keeps each cell as openpyxl gave it (int, float,
bool, str, datetime) instead of the column's inferred dtype; dates print as str(Timestamp).
"""

import datetime
import json
import math
import sys

import pandas


def cell(value):
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or value is pandas.NaT
    ):
        return None
    if isinstance(value, (datetime.datetime, datetime.date)):
        return {"timestamp": str(pandas.Timestamp(value))}
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def frame_json(frame):
    columns = [str(name) for name in frame.columns]
    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"columns": columns, "rows": rows}


def main():
    book = pandas.ExcelFile(sys.argv[1], engine="openpyxl")
    first = frame_json(pandas.read_excel(book, dtype=object))
    sheets = {
        name: frame_json(pandas.read_excel(book, sheet_name=name, dtype=object))
        for name in book.sheet_names
    }
    json.dump({"first": first, "sheets": sheets}, sys.stdout)


if __name__ == "__main__":
    main()
