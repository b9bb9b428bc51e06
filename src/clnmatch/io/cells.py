"""What a cell's text says about how the file was made: text garbled by a wrong encoding.

A UTF-8 export opened as Windows-1252 (Excel's default for a CSV) and saved again as
UTF-8 turns each accented letter into two or three signs: "Ciarán O’Neill" becomes
"CiarÃ¡n Oâ€™Neill". Such text is recognised only when the whole cell, taken back to
its bytes, decodes as UTF-8 into other text, and it holds one of the telltale sequences
(the UTF-8 lead sign of a Latin letter or of punctuation followed by its
continuation signs); genuine text ("Ã" alone,
"Siobhán") never decodes so.
"""

from __future__ import annotations

import contextlib
import re

__all__ = ["SPREADSHEET_ERRORS", "garbled_parts", "repaired"]

#: The error values a spreadsheet shows (and exports) for a formula that failed.
SPREADSHEET_ERRORS = {
    "#N/A": "a formula that found nothing",
    "#REF!": "a formula whose cells were deleted",
    "#VALUE!": "a formula given the wrong kind of value",
    "#DIV/0!": "a division by zero",
    "#NAME?": "a formula with a name the spreadsheet does not know",
    "#NULL!": "a formula with ranges that do not meet",
    "#NUM!": "a formula whose number is out of range",
    "#GETTING_DATA": "a value still loading when the file was saved",
    "#SPILL!": "a formula with no room for its results",
    "#CALC!": "a formula the spreadsheet could not calculate",
}


def _byte_of() -> dict[str, int]:
    """Each sign a byte 0x80-0xFF becomes, read as Windows-1252 or as Latin-1 (which
    keeps 0x80-0x9F as control characters, as some tools decode them)."""
    table = {chr(b): b for b in range(0x80, 0x100)}
    for b in range(0x80, 0xA0):
        # 0x81, 0x8D, ... have no Windows-1252 sign
        with contextlib.suppress(UnicodeDecodeError):
            table[bytes([b]).decode("cp1252")] = b
    return table


_BYTE = _byte_of()
_CONT = "[" + "".join(re.escape(c) for c, b in _BYTE.items() if b < 0xC0) + "]"
# the lead sign of a Latin letter (Â Ã Ä Å) or of punctuation (â: ’ – “ €) followed by
# its continuation signs; other leads are left alone, being likelier genuine text
_TELLTALE = re.compile(f"[\u00c2-\u00c5]{_CONT}|\u00e2{_CONT}{{2}}")


def _redecoded(text: str) -> str | None:
    """The text its signs' bytes make as UTF-8, or None when they make none."""
    try:
        data = bytes(ord(c) if c < "\x80" else _BYTE[c] for c in text)
        return data.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


def repaired(text: str) -> str | None:
    """What garbled text most likely should read (``"CiarÃ¡n"`` -> ``"Ciarán"``), or None
    when the text does not look garbled."""
    if text.isascii() or not _TELLTALE.search(text):
        return None
    fixed = _redecoded(text)
    return fixed if fixed is not None and fixed != text else None


def garbled_parts(text: str) -> list[tuple[str, str]]:
    """The telltale sequences of garbled text and what each should read, in order, once
    each: [("Ã¡", "á"), ("â€™", "’")]. Messages show these rather than a person's name."""
    parts: dict[str, str] = {}
    for match in _TELLTALE.finditer(text):
        fixed = _redecoded(match.group())
        if fixed is not None:
            parts.setdefault(match.group(), fixed)
    return list(parts.items())
