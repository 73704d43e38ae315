"""Python source bytes to text, decoded as the interpreter would (BOM, coding cookie)."""

from __future__ import annotations

import codecs
import io
import tokenize


def decode(data: bytes) -> str:
    """Decode Python source as the interpreter would; raises on failure."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig" or data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
        encoding = "utf-8"
    return data.decode(encoding)


def problem(exc: Exception) -> str:
    """Why `decode` failed, naming the offending byte and its offset when there is one."""
    if isinstance(exc, UnicodeDecodeError):
        return f"{exc.encoding} cannot decode byte {exc.object[exc.start:exc.start + 1]!r} at offset {exc.start}"
    return str(exc)
