"""Build problems and runs from plain specs (dicts of JSON types): the one entry point the app uses.

`PROBLEMS` maps `problem.kind` to a builder; later families (networks, test surfaces) add theirs here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from engine.datasets import DataError, LineConfig, make_line, parse_csv, validate_points
from engine.edits import apply_weight_event
from engine.network_build import build_network
from engine.problems import LinearRegression, Problem
from engine.run import Run
from engine.settings import SettingsError
from engine.surface_problem import build_surface


def line_data(data: dict[str, Any] | None):
    """The Dataset of a linear-regression data spec: generated, points, or CSV text."""
    data = dict(data or {})
    if "points" in data:
        return validate_points(data["points"], columns=("x", "y"))
    if "csv" in data:
        return parse_csv(data["csv"], columns=("x", "y"))
    fields = LineConfig.__dataclass_fields__
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise DataError(f"unknown data setting {unknown[0]!r} (known: points, csv, {', '.join(fields)})")
    return make_line(LineConfig(**data))


def build_linear_regression(spec: dict[str, Any]) -> Problem:
    """A LinearRegression problem from {"kind": "linear_regression", "data": {...}}."""
    return LinearRegression(line_data(spec.get("data")))


PROBLEMS: dict[str, Callable[[dict[str, Any]], Problem]] = {
    "linear_regression": build_linear_regression,
    "network": build_network,
    "surface": build_surface,
}


def build_problem(spec: dict[str, Any] | None) -> Problem:
    """The problem a spec describes; {} or None is generated linear-regression data."""
    spec = dict(spec or {})
    kind = spec.get("kind", "linear_regression")
    if kind not in PROBLEMS:
        raise SettingsError("problem.kind", f"unknown problem kind {kind!r} (known: {', '.join(PROBLEMS)})")
    try:
        return PROBLEMS[kind](spec)
    except DataError as exc:
        raise SettingsError("problem.data", str(exc)) from exc


def build_run(spec: dict[str, Any], event_cap: int | None = None) -> Run:
    """A Run from {"problem", "optimizer" | "racers", "stop", "start", "seed"} (all optional); it keeps at most
    `event_cap` live changes for replays (None: all)."""
    pspec = dict(spec.get("problem") or {})
    if pspec.get("kind") == "network":  # the run's seed draws the initial weights unless the problem has its own
        pspec.setdefault("seed", int(spec.get("seed") or 0))
    problem = build_problem(pspec)
    racers = spec.get("racers")
    if racers is not None and spec.get("optimizer") is not None:
        raise SettingsError("racers", "give either optimizer or racers, not both")
    race = racers is not None
    if racers is None:
        racers = [spec.get("optimizer") or {"name": "gd", "lr": 0.1}]
    return Run(problem, racers, stop=spec.get("stop"), seed=int(spec.get("seed") or 0), start=spec.get("start"),
               race=race, problem_spec=pspec, event_cap=event_cap)


EVENTS = ("set", "stop", "add_racer", "remove_racer", "weight")


def check_event(run: Run, ev: Any, i: int, clock: int) -> int:
    """The clock of event i, checked: a known type, clocks in order and up to the final `clock`."""
    if not isinstance(ev, dict) or ev.get("type") not in EVENTS:
        raise SettingsError(f"events.{i}.type", f"must be one of {', '.join(EVENTS)}")
    at = ev.get("clock")
    if not isinstance(at, int) or at < run.clock or at > clock:
        raise SettingsError(f"events.{i}.clock", "clocks must be whole numbers in order, up to the final clock")
    return at


def apply_event(run: Run, ev: dict[str, Any], i: int | None = None) -> None:
    """Make one logged live change again (set, stop, add_racer, remove_racer or a weight edit); given the event's
    index `i`, a racer the run does not have (then) is a SettingsError naming `events.{i}.racer`."""
    kind = ev["type"]
    try:
        if kind == "set":
            run.set_optimizer(ev.get("optimizer") or {}, racer=int(ev.get("racer") or 0))
        elif kind == "stop":
            run.set_stop(ev.get("stop") or {})
        elif kind == "add_racer":
            run.add_racer(ev.get("racer") or {})
        elif kind == "weight":
            apply_weight_event(run, ev)
        else:
            run.remove_racer(int(ev.get("racer") or 0))
    except SettingsError as exc:
        if i is None or exc.field != "racer":
            raise
        raise SettingsError(f"events.{i}.racer", exc.message) from None


def run_config(run: Run) -> dict[str, Any]:
    """The spec that builds `run` as it was at its last reset (JSON types): build_run's input, so that built and
    given `run.events` at their clocks, it replays the run exactly (see replay)."""
    racers = copy.deepcopy(run.base["specs"])
    out: dict[str, Any] = {"problem": copy.deepcopy(run.problem_spec), "stop": dict(run.base["stop"]),
                           "start": run.start.tolist(), "seed": run.seed}
    if run.base["race"]:
        out["racers"] = racers
    else:
        out["optimizer"] = racers[0]
    return out


def replay(config: dict[str, Any], events: list[dict[str, Any]], clock: int, event_cap: int | None = None) -> Run:
    """Rebuild a run from `config` and replay its live changes at their clocks, up to `clock` step rounds.

    Runs are deterministic, so this reproduces the original bit for bit (run_config(run) and run.events
    give what it needs). The app replays the same way in time slices (app/live/replays.py).
    """
    run = build_run(config, event_cap)
    for i, ev in enumerate(events):
        run.step(check_event(run, ev, i, clock) - run.clock)
        apply_event(run, ev, i)
    run.step(clock - run.clock)
    return run
