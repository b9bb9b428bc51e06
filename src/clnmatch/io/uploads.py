"""An app's upload, read as a table is: not a file on disk but its bytes, or a file object
(binary or text: io.BytesIO, an open file, Flask's FileStorage, a framework's spooled
file), named in messages by its file name."""

from __future__ import annotations

import inspect
from pathlib import Path

from clnmatch.io.layout import refuse

__all__ = ["upload_bytes", "upload_name"]


def upload_name(source: object, fallback: str) -> str:
    """The upload's file name (Flask's ``filename``, a file object's ``name``), else
    ``fallback``."""
    for attribute in ("filename", "name"):
        named = getattr(source, attribute, None)
        if isinstance(named, str) and named.strip():
            return Path(named).name
    return fallback


def upload_bytes(source: object, file: str) -> bytes | None:
    """The upload's content, or None when ``source`` is no upload. A coroutine ``read``
    (Starlette's UploadFile) and text that cannot be read are refused, saying why."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    read = getattr(source, "read", None)
    if not callable(read):
        return None
    if inspect.iscoroutinefunction(read):
        refuse(file, "a file object whose read() gives the file: pass upload.file, or the "
               "bytes of await upload.read()")  # fmt: skip
    start = _position(source)
    try:
        data = read()
    except UnicodeDecodeError as exc:  # a file opened as text in another encoding
        refuse(file, f"text in UTF-8 ({exc.reason}): open the file in binary mode ('rb')")
    finally:
        if start is not None:  # left where it was: read twice, it is the same file
            source.seek(start)  # type: ignore[attr-defined]
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _position(source: object) -> int | None:
    """Where a seekable file object stands (None: it cannot go back there)."""
    try:
        return int(source.tell()) if source.seekable() else None  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
