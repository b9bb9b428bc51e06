"""What a file is, from its bytes: why one is not text or not a workbook, and a workbook
too large to unpack (an .xlsx is a zip archive: a few hundred KB may unpack to GBs)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from clnmatch.io.layout import refuse

__all__ = ["BINARY", "binary_kind", "not_xlsx", "refuse_oversized_workbook"]

#: the largest part of a workbook read, unpacked, in MB (10,000 survey rows: about 10)
XLSX_PART_MB = 64


def refuse_oversized_workbook(data: bytes | Path, file: str) -> None:
    """Refuse a workbook a part of which unpacks past ``XLSX_PART_MB``: a cell of 400 MB
    in a file of 400 KB took 3.5 GB of memory to read, then failed (a security tester)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            largest = max((part.file_size for part in archive.infolist()), default=0)
    except Exception:  # a damaged archive raises many types: openpyxl's reading says so
        return
    if largest > XLSX_PART_MB << 20:
        refuse(
            file,
            f"a workbook of a survey's size; a part of this one unpacks to {largest >> 20} "
            f"MB (at most {XLSX_PART_MB} MB are read): save it again from the spreadsheet, "
            "or as CSV",
        )


_SIGNATURES = (
    (b"%PDF", "a PDF document: export the responses from the form as .xlsx or .csv"),
    (b"\x89PNG", "a PNG image, not the responses"),
    (b"\xff\xd8\xff", "a JPEG image, not the responses"),
    (b"GIF8", "a GIF image, not the responses"),
)


BINARY = "not text (a binary file)"


def binary_kind(data: bytes) -> str | None:
    """What a file that is not text is, from its first bytes (None: it may be text)."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    head = data[:4096]
    if max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 3:  # every other byte
        return (
            "UTF-16 text without the mark that says so: open it in Excel and save it as 'CSV UTF-8'"
        )
    if head.count(0) > 2 + len(head) // 100:  # a stray NUL in a cell is read, with a warning
        return BINARY
    controls = sum(head.count(bytes([b])) for b in range(1, 32) if b not in (9, 10, 11, 13))
    if controls > 2 + len(head) // 20:  # text has next to none (random bytes have 11%)
        return BINARY
    return None


def not_xlsx(data: bytes) -> str:
    """What a file that does not open as a workbook looks like, from its first bytes."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: a password or an old .xls
        return (
            "this one is password-protected or an old .xls workbook: open it in Excel and "
            "save it as .xlsx without a password"
        )
    if data.startswith(b"PK"):
        return "this one is damaged (open it in Excel and save it again)"
    kind = binary_kind(data)
    if kind == BINARY:
        return "this one is neither a workbook nor text: export the responses as .xlsx or .csv"
    if kind is not None:
        return f"this one is {kind}"
    return "this one looks like text (a CSV file named .xlsx?): name it .csv"
