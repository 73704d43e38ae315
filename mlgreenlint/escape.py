"""Show file names safely: control characters and undecodable bytes as visible escapes.

Paths are kept internally as `str` decoded with `surrogateescape`, so a name that is not
valid UTF-8 (`tr\\xffain.py`) survives every step and can be opened again; only what is
shown to people is escaped. A newline in a name must not forge a report line, and an
ESC must not reach a terminal.
"""

from __future__ import annotations

import re

# Compiled on first use (re's own cache): most texts are printable ASCII and need neither.
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff]"
_SURROGATE = "[\ud800-\udfff]"


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters and undecodable bytes written as `\\xNN` escapes."""
    if text.isascii() and text.isprintable():
        return text
    return re.sub(_UNPRINTABLE, _escaped, text)


def undecodable(text: str) -> str:
    """`text` with only its undecodable bytes escaped (a document whose layout uses control characters)."""
    return text if text.isascii() else re.sub(_SURROGATE, _escaped, text)


def json_text(text: str) -> str:
    """JSON written with `ensure_ascii=False`, its lone surrogates turned into `\\uXXXX` escapes."""
    return text if text.isascii() else re.sub(_SURROGATE, lambda m: f"\\u{ord(m.group()):04x}", text)
