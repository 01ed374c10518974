"""Steps per second of a race of 8 racers against 8 separate one-racer runs on Rosenbrock.

Run: .venv/bin/python bench/bench_race.py [steps]. Prints both races (8 gd variants sharing one
optimiser, and 8 different optimisers) and the speed-up of each over 8 runs taking the same steps.
Target: the race at least 4× faster than the 8 runs.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from common import report

from engine.build import build_run
from engine.run import Run

PROBLEM = {"kind": "surface", "name": "rosenbrock"}
STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}  # every racer takes every step
SAME: list[dict[str, Any]] = [  # one optimiser (gd), eight settings: stepped as one group
    {"name": "gd", "lr": 1e-4},
    {"name": "gd", "lr": 5e-4},
    {"name": "gd", "lr": 1e-3},
    {"name": "gd", "lr": 5e-4, "momentum": 0.9},
    {"name": "gd", "lr": 1e-3, "momentum": 0.9},
    {"name": "gd", "lr": 5e-4, "momentum": 0.9, "nesterov": True},
    {"name": "gd", "lr": 1e-3, "momentum": 0.8, "dampening": 0.1},
    {"name": "gd", "lr": 1e-3, "momentum": 0.5, "weight_decay": 1e-3},
]
MIXED: list[dict[str, Any]] = [  # eight optimisers: eight groups
    {"name": "gd", "lr": 1e-3},
    {"name": "gd", "lr": 1e-3, "momentum": 0.9},
    {"name": "gd", "lr": 5e-4, "momentum": 0.9, "nesterov": True},
    {"name": "adagrad", "lr": 0.1},
    {"name": "rmsprop", "lr": 0.01},
    {"name": "adam", "lr": 0.05},
    {"name": "adamw", "lr": 0.05},
    {"name": "random_search"},
]


def _build(racer_sets: list[list[dict[str, Any]]]) -> list[Run]:
    return [build_run({"problem": PROBLEM, "racers": racers, "stop": STOP}) for racers in racer_sets]


def _time(runs: list[Run], steps: int) -> float:
    t0 = time.perf_counter()
    for run in runs:
        run.step(steps)
    elapsed = time.perf_counter() - t0
    assert all(r.t == steps and r.status != "diverged" for run in runs for r in run.racers), "a racer stopped early"
    return elapsed


def compare(label: str, racers: list[dict[str, Any]], steps: int, repeats: int = 5) -> float:
    """Time the race and the separate runs (interleaved, best of `repeats`), print both and the ratio."""
    race = apart = float("inf")
    for _ in range(repeats):  # interleaved, so both see the same machine load
        race = min(race, _time(_build([racers]), steps))
        apart = min(apart, _time(_build([[r] for r in racers]), steps))
    k = len(racers)
    print(f"{label}: {k} racers × {steps} steps on Rosenbrock")
    report(f"  race of {k}: steps/s (each moves all {k} racers)", steps / race, "steps/s")
    report(f"  race of {k}: racer-steps/s", k * steps / race, "racer-steps/s")
    report(f"  {k} separate runs: steps/s of each (= racer-steps/s)", k * steps / apart, "steps/s")
    report("  speed-up of the race", apart / race, "×", "≥ 4×")
    return apart / race


def main() -> None:
    """Run both comparisons."""
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    compare("same optimiser (8 gd variants)", SAME, steps)
    compare("mixed optimisers (gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, random search)", MIXED, steps)


if __name__ == "__main__":
    main()
