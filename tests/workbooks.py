"""Test helpers: write small .xlsx workbooks (with real date cells) and hostile zips."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path

import xlsxwriter


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook whose sheets hold these rows; dates and date-times become real (serial) date cells."""
    workbook = xlsxwriter.Workbook(str(path))
    day, moment = workbook.add_format({"num_format": "yyyy-mm-dd"}), workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return path


def zip_of(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def under_declared_zip(name: str, real_size: int, declared: int) -> bytes:
    """A zip whose headers claim `declared` bytes for a member that really inflates to `real_size` zeros."""
    data = bytearray(zip_of({name: b"0" * real_size}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            struct.pack_into("<I", data, at + offset, declared)     # the uncompressed-size field
            at = data.find(signature, at + 4)
    return bytes(data)
