"""Small timing helpers shared by the benchmarks (best of several repeats, printed plainly)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: `python bench/x.py`


def best_of(fn: Callable[[], object], repeats: int = 5) -> float:
    """The fastest of `repeats` wall-clock timings of fn(), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def report(name: str, value: float, unit: str, target: str = "") -> None:
    """Print one figure as `name: value unit  (target ...)`."""
    tail = f"   (target: {target})" if target else ""
    print(f"{name:<58} {value:>12,.2f} {unit}{tail}")
