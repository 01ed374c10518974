"""Lessons: presets that walk the lecture, each a run spec the page opens, a caption and view hints.

`LESSONS` is the ordered id -> Lesson table. `spec` is exactly what `engine.build.build_run` takes (problem,
optimizer or racers, stop, start, seed); `view` tells the page what to show, with these keys:
  panel      the main view: "regression" (data and fitted line), "landscape" (J over (θ1, θ2)), "race",
             "network" (decision boundary and diagram), "loss_compare", "backprop"
  table      the lecture's (t, θ1, θ2, J) table          arrows / flow   −∇J arrows / gradient-flow paths
  path       the optimiser's path on the landscape       log             best J against evaluations, log scale
  step_arrows  the step arrows on the landscape (default on) x_axis       the curves' x-axis: "t" or "examples"
  marks      mark each racer's stop on the curves, at the step its test fired
  explain    "one update, step by step" after each step  diagram / counts / boundary   network views
  example    the training example of the backprop table  w1, w2, span, steps, lr       the loss-compare view
Numbers in captions (2/λmax, parameter counts) are computed from the same data and networks, never typed in.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import LineConfig, make_line
from engine.loss_compare import DEFAULT_SPEC as COMPARE_SPEC
from engine.nn import counts
from engine.problems import LinearRegression
from engine.run import Run
from engine.settings import SettingsError
from engine.stopping import fmt


@dataclass(frozen=True)
class Lesson:
    """One preset: an id (its link), a title, a caption of what to look at, the run spec and view hints."""

    id: str
    title: str
    caption: str
    spec: dict[str, Any]
    view: dict[str, Any]

    def json(self) -> dict[str, Any]:
        """The lesson as JSON types (copies: a page that edits its preset never edits the table)."""
        return {"id": self.id, "title": self.title, "caption": self.caption, "spec": copy.deepcopy(self.spec),
                "view": copy.deepcopy(self.view)}


def _round(x: float) -> float:
    """Two significant figures: learning rates that read well in a caption and a link."""
    return float(f"{x:.2g}")


_LINE = LinearRegression(make_line(LineConfig()))  # the default data every linear-regression lesson uses
MAX_LR = _LINE.max_stable_lr()  # 2/λmax of J's (constant) Hessian
LR_SMALL = _round(0.02 * MAX_LR)
LR_OK = _round(0.9 * MAX_LR)
LR_BIG = _round(1.1 * MAX_LR)
LR_GD = 0.1
LR_FAST = 0.5  # the stopping-tests lesson's quick racer (2/3 of 2/λmax)
_NO_EPS = {"grad_norm": None}
# The stopping-tests lesson: ε and δ chosen so that each test ends one of its two racers.
STOP_EPS, STOP_DELTA = 0.05, 1e-3
STOP_SPEC: dict[str, Any] = {
    "racers": [{"name": "gd", "lr": LR_FAST, "label": f"γ = {fmt(LR_FAST)}"},
               {"name": "gd", "lr": LR_SMALL, "label": f"γ = {fmt(LR_SMALL)}"}],
    "stop": {"grad_norm": STOP_EPS, "delta_loss": STOP_DELTA, "max_steps": 1000}, "seed": 0}


def _stops() -> list[dict[str, Any]]:
    """Where each racer of the stopping-tests lesson stops (its test, t, J and ‖∇J‖), for the caption."""
    run = Run(_LINE, STOP_SPEC["racers"], STOP_SPEC["stop"])
    run.step(STOP_SPEC["stop"]["max_steps"])
    return [{**(r.stop_reason or {}), "loss": float(run.loss[i]), "grad_norm": float(np.linalg.norm(run.grad[i]))}
            for i, r in enumerate(run.racers)]


STOPS = _stops()

_MLP = [3, 4, 2]  # the lecture's slide: 3 inputs, 4 hidden neurons, 2 outputs (on the 3-feature set)
_C = counts(_MLP)


def counting(sizes: list[int]) -> dict[str, str]:
    """The slide's sums for a network: neurons, weights (edges) and learnable parameters, e.g. for [3, 4, 2]
    {"neurons": "4 + 2 = 6", "weights": "(3 × 4) + (4 × 2) = 20", "params": "20 + 4 + 2 = 26"}."""
    c = counts(sizes)
    units = " + ".join(str(s) for s in sizes[1:])
    edges = " + ".join(f"({a} × {b})" for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    return {"neurons": f"{units} = {c['neurons']}", "weights": f"{edges} = {c['weights']}",
            "params": f"{c['weights']} + {units} = {c['params']}"}


_SUMS = counting(_MLP)
_TWO_LAYER = [2, 3, 1]


def _lessons() -> list[Lesson]:
    line = {"kind": "linear_regression"}
    return [
        Lesson("random-guessing", "Random guessing",
               "Method #0: pick a random θ, evaluate J(θ), keep the best. Watch the table (t, θ1, θ2, J): most "
               "guesses are worse than the best so far, and the best J improves ever more slowly. Guessing uses no "
               "gradient, so the −∇J arrows, the step arrows, the ‖∇J‖ curve and the ε test are off.",
               {"problem": line, "optimizer": {"name": "random_search"}, "stop": {**_NO_EPS, "max_steps": 300},
                "seed": 0},
               {"panel": "regression", "table": True, "path": True, "arrows": False, "step_arrows": False}),
        Lesson("gradient-arrows", "The gradient as arrows",
               "Each arrow is −∇J(θ1, θ2) drawn at its point: the direction of steepest descent, longer where the "
               "bowl is steeper. The curves are gradient-flow paths, what descent follows with infinitely small "
               "steps; every one ends at the minimum.",
               {"problem": line, "optimizer": {"name": "gd", "lr": LR_GD}, "seed": 0},
               {"panel": "landscape", "arrows": True, "flow": True}),
        Lesson("gradient-descent", "Gradient descent",
               f"θ ← θ − γ∇J(θ) with γ = {fmt(LR_GD)}, raced against random guessing on the same data. Every "
               "step goes against the gradient and lowers J, while most guesses are thrown away: against the "
               "number of evaluations of J (log scale), descent keeps closing in on the minimum while guessing's "
               "progress slows.",
               {"problem": line, "racers": [{"name": "gd", "lr": LR_GD, "label": "gradient descent"},
                                            {"name": "random_search", "label": "random guessing"}],
                "stop": {"grad_norm": 1e-6, "max_steps": 500}, "seed": 0},
               {"panel": "race", "table": True, "log": True, "path": True, "explain": True}),
        Lesson("stopping-tests", "When to stop: the convergence tests",
               f"Both tests of the lecture are on: ‖∇J(θ)‖₂ ≤ ε = {fmt(STOP_EPS)} and a small decrease, "
               f"|J(θₜ) − J(θₜ₋₁)| ≤ δ = {fmt(STOP_DELTA)}. With γ = {fmt(LR_FAST)} the gradient test fires "
               f"(t = {STOPS[0]['t']}); with γ = {fmt(LR_SMALL)} the steps are small and the decrease test fires "
               f"(t = {STOPS[1]['t']}) while ‖∇J‖ is still {STOPS[1]['grad_norm'] / STOP_EPS:.0f} × ε: a small "
               "decrease can mean small steps, not the minimum.",
               {"problem": line, **copy.deepcopy(STOP_SPEC)},
               {"panel": "race", "path": True, "marks": True}),
        Lesson("per-example", "Per-example updates",
               f"θ ← θ − γ∇J_i(θ), the gradient of one example i at a time (shuffled each epoch), against the full "
               f"batch, both with γ = {fmt(LR_GD)}. A step costs one example instead of all N = {_LINE.n_train}, but "
               "its direction is noisy: the path jitters around the minimum. Against the examples seen (the curves' "
               "x menu), the noisy steps get much further per example.",
               {"problem": line, "racers": [{"name": "gd", "lr": LR_GD, "label": "full batch"},
                                            {"name": "gd", "lr": LR_GD, "batch_size": 1, "label": "per example"}],
                "stop": {**_NO_EPS, "max_steps": 400}, "seed": 0},
               {"panel": "race", "path": True, "x_axis": "examples"}),
        Lesson("lr-too-small", "Learning rate too small",
               f"For this data gradient descent is stable for γ < 2/λmax = {fmt(MAX_LR)}. With γ = {fmt(LR_SMALL)} "
               "every step is safe but tiny: J drops at first, then the path creeps along the valley floor and "
               "after 300 steps it has still not reached the minimum.",
               {"problem": line, "optimizer": {"name": "gd", "lr": LR_SMALL}, "stop": {**_NO_EPS, "max_steps": 300},
                "seed": 0},
               {"panel": "landscape", "path": True, "table": True}),
        Lesson("lr-too-big", "Learning rate too big",
               f"2/λmax = {fmt(MAX_LR)}. Just below it (γ = {fmt(LR_OK)}) each step overshoots the valley and "
               f"zig-zags, yet the zig-zags shrink; just above it (γ = {fmt(LR_BIG)}) they grow and the run "
               "diverges.",
               {"problem": line, "racers": [{"name": "gd", "lr": LR_OK, "label": f"γ = {fmt(LR_OK)}"},
                                            {"name": "gd", "lr": LR_BIG, "label": f"γ = {fmt(LR_BIG)}"}],
                "stop": {"max_steps": 200}, "seed": 0},
               {"panel": "race", "path": True, "log": True}),
        Lesson("perceptron", "The perceptron",
               "One neuron, the lecture's perceptron: y = σ(b) with b = Σ_j β_j x_j + β_0 (weights β_j, bias β_0), "
               "which is logistic regression, trained on the cross-entropy against each label y⁽ⁱ⁾. With no hidden "
               "layer its decision boundary is a straight line, which is all linearly separable data needs.",
               {"problem": {"kind": "network", "layers": [2, 1], "head": "sigmoid", "loss": "bce",
                            "data": {"name": "linear", "n": 200, "seed": 0}},
                "optimizer": {"name": "gd", "lr": 1.0}, "stop": {"max_steps": 2000}, "seed": 0},
               {"panel": "network", "boundary": True, "diagram": True}),
        Lesson("mlp", "A multi-layer network and its parameters",
               f"The lecture's network: {_MLP[0]} inputs, {_MLP[1]} hidden neurons, {_MLP[2]} outputs (softmax), "
               "all pairwise neurons between layers connected, on points with three features: a ball of one class "
               f"inside a shell of the other. Count as the slide does: {_SUMS['neurons']} neurons; "
               f"{_SUMS['weights']} weights (edges); {_SUMS['params']} learnable parameters, the weights and one "
               f"bias per neuron ({_C['biases']} biases). The decision regions are a slice through x1 and x2 with "
               "x3 at its mean.",
               {"problem": {"kind": "network", "layers": list(_MLP), "activation": "tanh", "head": "softmax",
                            "loss": "ce", "data": {"name": "spheres", "n": 300, "seed": 0}},
                "optimizer": {"name": "adam", "lr": 0.05}, "stop": {"max_steps": 1500}, "seed": 0},
               {"panel": "network", "diagram": True, "counts": True, "boundary": True, "counting": _SUMS}),
        Lesson("quadratic-vs-cross-entropy", "Quadratic loss vs cross-entropy",
               "The lecture's Figure 5 (Glorot & Bengio, 2010): both costs over one weight of each layer, all "
               "others held. Where the sigmoid output saturates on the wrong side the quadratic cost is a plateau, "
               "since its gradient carries the factor y(1 − y) ≈ 0, and its descent path stalls; the cross-entropy "
               "path, whose g_b = y − y* stays large, walks straight down.",
               {"problem": copy.deepcopy(COMPARE_SPEC), "optimizer": {"name": "gd", "lr": 1.0},
                "stop": {"max_steps": 2000}, "seed": 0},
               {"panel": "loss_compare", "w1": 0, "w2": 0, "span": 8.0, "steps": 200, "lr": 1.0}),
        Lesson("backpropagation", "Backpropagation",
               "The lecture's table for a two-layer sigmoid network with cross-entropy, with the numbers of one "
               "training example: forward a_j, z_j, b, y, J; backward g_y, g_b, g_β, g_z, g_a, g_α, g_x. Each "
               "gradient sits beside its finite-difference estimate; hover a row to find its node or edge.",
               {"problem": {"kind": "network", "layers": list(_TWO_LAYER), "activation": "sigmoid",
                            "head": "sigmoid", "loss": "bce", "data": {"name": "xor", "n": 200, "seed": 0}},
                "optimizer": {"name": "gd", "lr": 2.0}, "stop": {"max_steps": 5000}, "seed": 0},
               {"panel": "backprop", "example": 0, "diagram": True}),
        Lesson("softmax", "Softmax for several classes",
               "K outputs and y_k = exp(b_k) / Σ_l exp(b_l): a probability for each class, trained with the "
               "cross-entropy −log y of the true class. Three spiral arms need two hidden layers and many steps.",
               {"problem": {"kind": "network", "layers": [2, 16, 16, 3], "activation": "tanh", "head": "softmax",
                            "loss": "ce", "data": {"name": "spiral", "n": 300, "classes": 3, "seed": 0}},
                "optimizer": {"name": "adam", "lr": 0.02}, "stop": {"max_steps": 5000}, "seed": 0},
               {"panel": "network", "boundary": True, "diagram": True}),
    ]


LESSONS: dict[str, Lesson] = {lesson.id: lesson for lesson in _lessons()}


def lesson(lesson_id: str) -> Lesson:
    """The lesson with this id, or a SettingsError naming the known ones."""
    if lesson_id not in LESSONS:
        raise SettingsError("lesson", f"unknown lesson {lesson_id!r} (known: {', '.join(LESSONS)})")
    return LESSONS[lesson_id]


def describe() -> list[dict[str, Any]]:
    """Every lesson in order, as JSON."""
    return [lesson.json() for lesson in LESSONS.values()]
