"""Inline directives: `# mlgreenlint: ignore[MP001,CK]` on a line, `# mlgreenlint: ignore-file[ET]`.

The same `#` comment works in Python, YAML and TOML. JSON has no comments and relies on
per-file-ignores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(r"#\s*mlgreenlint:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")
_CODE = re.compile(r"^(ALL|[A-Z]{2}[0-9]{0,3})$")
ALL = "ALL"


@dataclass
class Directives:
    lines: dict[int, set[str]] = field(default_factory=dict)
    file: set[str] = field(default_factory=set)
    #: (line, column, code) of codes that name no known rule or prefix.
    unknown: list[tuple[int, int, str]] = field(default_factory=list)

    def suppresses(self, rule_id: str, line: int) -> bool:
        return _covered(rule_id, self.file) or _covered(rule_id, self.lines.get(line, ()))


def _covered(rule_id: str, codes) -> bool:
    return any(code == ALL or rule_id.startswith(code) for code in codes)


def parse(text: str, known: set[str]) -> Directives:
    """Collect directives; `known` holds every rule id (enabled or not) to spot typos."""
    found = Directives()
    if "mlgreenlint:" not in text:
        return found
    families = {k[:2] for k in known}
    for number, line in enumerate(text.splitlines(), start=1):
        if "mlgreenlint:" not in line:
            continue
        for m in _DIRECTIVE.finditer(line):
            kind, body = m.group(1), m.group(2)
            codes = {ALL} if body is None else set()
            if body is not None:
                offset = m.start(2)
                for raw in body.split(","):
                    written = raw.strip()
                    if not written:
                        continue
                    column = offset + raw.index(written) + 1
                    code = written.upper()  # ids are case-insensitive, as in --select
                    if _CODE.match(code) and (code == ALL or code in families or any(k.startswith(code) for k in known)):
                        codes.add(code)
                    else:
                        found.unknown.append((number, column, written))
                    offset += len(raw) + 1
            if kind == "ignore-file":
                found.file |= codes
            else:
                found.lines.setdefault(number, set()).update(codes)
    return found
