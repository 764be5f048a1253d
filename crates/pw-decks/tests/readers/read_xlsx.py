"""Reads an XLSX with openpyxl, a reader that is not ours, and prints every sheet as JSON: its
name and each row's cells with their value and Excel number format, as Excel would show
them. The deck tests compare this with the tables they wrote."""

import json
import sys

from openpyxl import load_workbook

book = load_workbook(sys.argv[1])
json.dump(
    [
        {
            "name": sheet.title,
            "rows": [
                [{"value": cell.value, "format": cell.number_format} for cell in row]
                for row in sheet.iter_rows()
            ],
        }
        for sheet in book.worksheets
    ],
    sys.stdout,
    ensure_ascii=False,
    default=str,
)
