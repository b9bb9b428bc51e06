"""Tables written into hand-written docs pages, between markers.

A page marks each generated table with an opening comment (``<!-- NAME ...-->``, the rest
of that line free text) and a closing one; a script replaces what lies between and keeps
the prose around it, which is written by hand and carries no figures.
"""

from __future__ import annotations

from pathlib import Path

from clnmatch.io.safe import atomic_write_text


def replace_between(page: str, start: str, end: str, text: str) -> str | None:
    """``page`` with the lines between the line opening with ``start`` and the next
    ``end`` replaced by ``text``; None when the page lacks either marker."""
    first = page.find(start)
    if first < 0:
        return None
    opening = page.find("\n", first)
    last = page.find(end, opening) if opening >= 0 else -1
    if last < 0:
        return None
    return page[: opening + 1] + text.strip() + "\n" + page[last:]


def write_tables(path: Path, tables: dict[tuple[str, str], str]) -> list[str]:
    """Each ``(start, end) -> text`` into the page at ``path``; the start markers missing
    from the page are returned (their tables are not written)."""
    page = path.read_text(encoding="utf-8")
    missing = []
    for (start, end), text in tables.items():
        replaced = replace_between(page, start, end, text)
        if replaced is None:
            missing.append(start)
        else:
            page = replaced
    atomic_write_text(path, page)
    return missing
