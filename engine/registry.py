"""The name -> object tables of every family, gathered for the schemas, the page's menus and the docs."""

from __future__ import annotations

from typing import Any

from engine import lessons, network
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES
from engine.stopping import STOP_SETTINGS
from engine.surfaces import SURFACES


def describe() -> dict[str, Any]:
    """Every registry as JSON: names, titles, formulas and settings with defaults and bounds."""
    out: dict[str, Any] = {
        "optimizers": {
            name: {
                "title": o.title,
                "formula": o.formula,
                "uses_gradient": o.uses_gradient,
                "settings": [s.describe() for s in o.settings],
            }
            for name, o in OPTIMIZERS.items()
        },
        "schedules": {
            name: {"title": s.title, "formula": s.formula, "settings": [f.describe() for f in s.settings]}
            for name, s in SCHEDULES.items()
        },
        "stop": [s.describe() for s in STOP_SETTINGS],
        "surfaces": {name: s.describe() for name, s in SURFACES.items()},
        "networks": network.describe(),
        "lessons": lessons.describe(),
    }
    return out
