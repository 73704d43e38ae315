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
    """What a manifest says of a package: an exact version, or bounds (`>=` lower, `<` upper)."""

    package: str
    version: str  # the exact version, or the lower bound ("" when there is none)
    source: str  # "requirements.txt:3"
    exact: bool = True
    upper: str | None = None  # exclusive upper bound of a range (`<0.19`, `~=0.18.2`, `^0.18`)

    @property
    def spec(self) -> str:
        if self.exact:
            return f"{self.package}=={self.version}"
        parts = ([f">={self.version}"] if self.version else []) + ([f"<{self.upper}"] if self.upper else [])
        return self.package + ",".join(parts)


@dataclass
class Versions:
    """Pinned versions by normalised package name, and notes about manifests that were read."""

    pins: dict[str, Pin] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Manifests read, repository-relative; for `--show-settings`.
    sources: list[str] = field(default_factory=list)
    #: The manifest that installs CPU-only PyTorch wheels (`+cpu`, the `/whl/cpu` index, conda
    #: `cpuonly`), when one does: the project trains on the CPU.
    cpu_wheels: str | None = None

    def pin(self, package: str) -> Pin | None:
        return self.pins.get(normalise(package))

    def below(self, package: str, version: str) -> bool:
        """The installed version is below `version`: a pin says so, or every allowed version is."""
        pin = self.pin(package)
        if pin is None:
            return False  # the newest release is never below a released version
        if pin.exact:
            return parse_version(pin.version) < parse_version(version)
        # A range installs its newest allowed release.
        return pin.upper is not None and parse_version(pin.upper) <= parse_version(version)

    def at_least(self, package: str, version: str) -> bool:
        return not self.below(package, version)

    def holds(self, spec: dict) -> bool:
        """A rule's `version` predicate: {package, below?, at-least?}."""
        return (("below" not in spec or self.below(spec["package"], spec["below"]))
                and ("at-least" not in spec or self.at_least(spec["package"], spec["at-least"])))

    def describe(self, package: str) -> str:
        """One line for `explain`, `--show-settings` and messages: which pin a verdict came from."""
        pin = self.pin(package)
        if pin is None:
            return f"{package} is not pinned: assuming its newest release"
        if pin.exact:
            return f"{pin.spec} pinned in {pin.source}"
        newest = f"the newest release below {pin.upper}" if pin.upper else "its newest release"
        return f"{pin.spec} in {pin.source}: assuming {newest}"

    def __format__(self, spec: str) -> str:
        """`{pin:trl}` in a rule message names the pin (or the newest-release assumption)."""
        return self.describe(spec) if spec else str(self)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
