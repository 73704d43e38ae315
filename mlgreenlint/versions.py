"""Framework versions a repository pins; unpinned packages are assumed at their newest release."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def parse_version(text: str) -> tuple[int, ...]:
    """`2.6.0rc1` -> (2, 6, 0); leading numeric components only."""
    parts = []
    for piece in text.strip().lstrip("vV=").split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
        if m.end() != len(piece):
            break
    return tuple(parts)


@dataclass(frozen=True)
class Pin:
    package: str
    version: str
    source: str  # "requirements.txt:3"


@dataclass
class Versions:
    """Pinned versions by normalised package name."""

    pins: dict[str, Pin] = field(default_factory=dict)

    def pin(self, package: str) -> Pin | None:
        return self.pins.get(normalise(package))

    def below(self, package: str, version: str) -> bool:
        pin = self.pin(package)
        if pin is None:
            return False  # the newest release is never below a released version
        return parse_version(pin.version) < parse_version(version)

    def at_least(self, package: str, version: str) -> bool:
        pin = self.pin(package)
        return True if pin is None else parse_version(pin.version) >= parse_version(version)

    def describe(self, package: str) -> str:
        pin = self.pin(package)
        if pin is None:
            return f"{package} is not pinned: assuming its newest release"
        return f"{package}=={pin.version} pinned in {pin.source}"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
