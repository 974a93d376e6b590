"""Writes test workbooks with XlsxWriter, independent of the TypeScript reader under test.

Reads a JSON list of {"path": ..., "sheets": [[name, rows], ...]} on stdin. XlsxWriter stores
text as shared strings, as Excel does. A cell is null (left empty), a number, a boolean, text,
or an object for the kinds JSON cannot say:
  {"date": "2021-03-04T05:06:07"}              a date-time with a date format
  {"rich": ["bo", "ld"]}                        rich text, the first run bold
  {"formula": "=A2*2", "cached": 2}             a formula and the result Excel saved with it
  {"error": "=1/0", "cached": "#DIV/0!"}        a formula whose saved result is an error
"""

import datetime
import json
import os
import sys

import xlsxwriter


def write_cell(book, sheet, formats, row, col, cell):
    if cell is None:
        return
    if isinstance(cell, bool):
        sheet.write_boolean(row, col, cell)
    elif isinstance(cell, (int, float)):
        sheet.write_number(row, col, cell)
    elif isinstance(cell, str):
        sheet.write_string(row, col, cell)
    elif "date" in cell:
        sheet.write_datetime(
            row, col, datetime.datetime.fromisoformat(cell["date"]), formats["date"]
        )
    elif "rich" in cell:
        first, *rest = cell["rich"]
        sheet.write_rich_string(row, col, formats["bold"], first, *rest)
    elif "formula" in cell:
        sheet.write_formula(row, col, cell["formula"], None, cell["cached"])
    elif "error" in cell:
        sheet.write_formula(row, col, cell["error"], None, cell["cached"])
    else:
        raise ValueError(f"unknown cell {cell!r}")


def main():
    for spec in json.load(sys.stdin):
        os.makedirs(os.path.dirname(spec["path"]), exist_ok=True)
        book = xlsxwriter.Workbook(spec["path"])
        formats = {
            "date": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "bold": book.add_format({"bold": True}),
        }
        for name, rows in spec["sheets"]:
            sheet = book.add_worksheet(name)
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    write_cell(book, sheet, formats, r, c, cell)
        book.close()


if __name__ == "__main__":
    main()
