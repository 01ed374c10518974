"""Typed, bounded settings shared by the registries (optimisers, schedules, surfaces, ...).

A `Setting` describes one field once; the engine validates with it, the app builds its pydantic
schemas from it and the page builds its controls from it, so the three never drift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A setting is unknown, of the wrong type or out of range: `field` names it, `message` says what is wrong
    (str(exc) is "field: message")."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Setting:
    """One field: its type ('float', 'int', 'bool', 'floats'), default, bounds and a line of help."""

    name: str
    type: str
    default: Any
    doc: str
    low: float | None = None  # inclusive lower bound
    high: float | None = None  # inclusive upper bound
    low_open: bool = False  # True: the lower bound itself is refused
    nullable: bool = False  # None allowed (meaning given in doc)
    length: int | None = None  # for 'floats': fixed length (None: any)
    log: bool = False  # the page shows a log slider

    def check(self, value: Any, prefix: str = "") -> Any:
        """Return `value` converted to this setting's type, or raise SettingsError naming the field."""
        name = prefix + self.name
        if value is None:
            if self.nullable:
                return None
            raise SettingsError(name, "must not be null")
        if self.type == "bool":
            if not isinstance(value, bool):
                raise SettingsError(name, f"must be true or false, got {value!r}")
            return value
        if self.type == "floats":
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise SettingsError(name, f"must be a list of numbers, got {value!r}")
            if self.length is not None and len(value) != self.length:
                raise SettingsError(name, f"must have {self.length} numbers, got {len(value)}")
            return [self._number(v, name, float) for v in value]
        return self._number(value, name, int if self.type == "int" else float)

    def _number(self, value: Any, name: str, kind: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(name, f"must be a number, got {value!r}")
        if kind is int and float(value) != int(value):
            raise SettingsError(name, f"must be a whole number, got {value!r}")
        v = kind(value)
        if not math.isfinite(v):
            raise SettingsError(name, f"must be finite, got {value!r}")
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            op = ">" if self.low_open else "≥"
            raise SettingsError(name, f"must be {op} {self.low}, got {v}")
        if self.high is not None and v > self.high:
            raise SettingsError(name, f"must be ≤ {self.high}, got {v}")
        return v

    def describe(self) -> dict[str, Any]:
        """JSON description for the page and the docs."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "doc": self.doc,
            "low": self.low,
            "high": self.high,
            "nullable": self.nullable,
            "log": self.log,
        }


def check_settings(
    fields: Sequence[Setting], values: Mapping[str, Any], base: Mapping[str, Any] | None = None, prefix: str = ""
) -> dict[str, Any]:
    """Validate `values` against `fields`, on top of `base` (or the defaults); unknown names are refused."""
    by_name = {f.name: f for f in fields}
    out = dict(base) if base is not None else {f.name: f.default for f in fields}
    for key, value in values.items():
        if key not in by_name:
            known = ", ".join(by_name)
            raise SettingsError(prefix + key, f"unknown setting (known: {known})")
        out[key] = by_name[key].check(value, prefix)
    return out
