"""The built-in data sets of networks: generated 2-D classification sets, a 1-D regression set, a 3-feature
set, and two small real tables shipped in engine/data (Fisher's Iris; the restaurant tips table).

Generated points lie roughly in [−1, 1]² (moons: [−1.5, 1.5] × [−0.75, 0.75]; sine: x in [−π, π]; spheres:
the ball of radius 1); `noise` is the standard deviation of Gaussian jitter added to the points (sine: to y),
in those units. Labels are whole numbers 0..K−1. engine/netdata.py splits each set into train and test, adds
the input features and standardises (see there).

The tables: iris.csv is Fisher's Iris (150 flowers, 50 of each species; labels 0 setosa, 1 versicolor,
2 virginica) and tips.csv the tips a waiter recorded (Bryant & Smith, 1995; 244 bills; the tip in dollars as
the target, sex, smoker, time and day coded 0/1), both converted from the copies in plotly's package data
(plotly/package_data/datasets/iris.csv.gz and tips.csv.gz).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from engine.settings import Setting
from engine.tables import MAX_CLASSES, MAX_ROWS, Table, from_csv

MAX_POINTS = MAX_ROWS  # networks refuse more points than this (train + test)
TEST_RATIO = 0.2  # default share of the points held out for testing
DATA_DIR = Path(__file__).parent / "data"

Array = np.ndarray


@dataclass(frozen=True)
class Generator2D:
    """A named generator, its task, its number of inputs and its settings (drawn from `make(rng, settings)`)."""

    name: str
    title: str
    task: str
    inputs: int
    settings: tuple[Setting, ...]
    make: Callable[[np.random.Generator, dict[str, Any]], tuple[Array, Array]]  # -> X (n, inputs), y (n,)
    columns: tuple[str, ...] | None = None  # the features' names (default x1, x2, … or x for one input)
    target: str | None = None  # the target's name (default label, or y for regression)
    class_names: tuple[str, ...] | None = None  # what labels 0..K−1 stand for, when they stand for something


def _n(default: int = 200) -> Setting:
    return Setting("n", "int", default, "number of points (train + test)", low=2, high=MAX_POINTS)


def _noise(default: float) -> Setting:
    return Setting("noise", "float", default, "standard deviation of the Gaussian jitter", low=0.0, high=10.0)


def _classes(default: int = 3) -> Setting:
    return Setting("classes", "int", default, "number of classes K", low=2, high=MAX_CLASSES)


def _standardize(default: bool) -> Setting:
    return Setting("standardize", "bool", default, "standardise each input to mean 0 and deviation 1 over the "
                                                    "training set")


SEED = Setting("seed", "int", 0, "seed of the points and of the train/test split", low=0, high=2**32 - 1)
RATIO = Setting("test_ratio", "float", TEST_RATIO, "share of the points held out as the test set (0 to 0.95)",
                low=0.0, high=0.95)


STD_OFF = _standardize(False)


def _counts(n: int, k: int) -> Array:
    """n points shared out as evenly as possible among k classes."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _jitter(rng: np.random.Generator, X: Array, noise: float) -> Array:
    return X + noise * rng.standard_normal(X.shape)


def _linear(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """Two classes either side of a random line, pushed 0.1 off it so noise 0 leaves a margin."""
    n = s["n"]
    phi = rng.uniform(0, 2 * np.pi)
    w = np.array([np.cos(phi), np.sin(phi)])  # unit normal of the line w·x = c
    c = rng.uniform(-0.3, 0.3)
    X = rng.uniform(-1, 1, (n, 2))
    d = X @ w - c
    y = (d > 0).astype(np.float64)
    X = X + np.where(d > 0, 0.1, -0.1)[:, None] * w  # a margin of 0.2 between the classes
    return _jitter(rng, X, s["noise"]), y


def _blobs(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """K Gaussian blobs centred on a circle of radius 0.7."""
    k = s["classes"]
    y = np.repeat(np.arange(k), _counts(s["n"], k)).astype(np.float64)
    angle = 2 * np.pi * y / k + np.pi / 4
    X = 0.7 * np.column_stack([np.cos(angle), np.sin(angle)])
    return _jitter(rng, X, s["noise"]), y


def _xor(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """Label 1 where the signs of x1 and x2 differ; points kept 0.1 off the axes before the jitter."""
    n = s["n"]
    X = rng.uniform(0.1, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.float64)
    return _jitter(rng, X, s["noise"]), y


def _circles(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """Label 1 in a disc of radius 0.5, label 0 in the ring 0.7 ≤ r ≤ 1 around it."""
    n_out, n_in = _counts(s["n"], 2)
    r = np.concatenate([np.sqrt(rng.uniform(0.49, 1.0, n_out)), 0.5 * np.sqrt(rng.uniform(0, 1, n_in))])
    angle = rng.uniform(0, 2 * np.pi, s["n"])
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _jitter(rng, X, s["noise"]), y


def _moons(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """Two interleaved half circles (as scikit-learn's make_moons), centred on the origin."""
    n_a, n_b = _counts(s["n"], 2)
    ta, tb = rng.uniform(0, np.pi, n_a), rng.uniform(0, np.pi, n_b)
    A = np.column_stack([np.cos(ta), np.sin(ta)])
    B = np.column_stack([1 - np.cos(tb), 0.5 - np.sin(tb)])
    X = np.vstack([A, B]) - np.array([0.5, 0.25])
    y = np.concatenate([np.zeros(n_a), np.ones(n_b)])
    return _jitter(rng, X, s["noise"]), y


def _spiral(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """K arms winding out from the centre, each turning 7/8 of a circle from radius 0.1 to 1."""
    k = s["classes"]
    y = np.repeat(np.arange(k), _counts(s["n"], k)).astype(np.float64)
    u = rng.uniform(0, 1, s["n"])
    r = 0.1 + 0.9 * u
    angle = 2 * np.pi * y / k + 1.75 * np.pi * u
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _jitter(rng, X, s["noise"]), y


def _spheres(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """Three features: label 1 in the ball of radius 0.5, label 0 in the shell 0.7 ≤ r ≤ 1 around it."""
    n_out, n_in = _counts(s["n"], 2)
    r = np.concatenate([rng.uniform(0.343, 1.0, n_out), 0.125 * rng.uniform(0, 1, n_in)]) ** (1 / 3)
    u = rng.standard_normal((s["n"], 3))
    X = r[:, None] * u / np.linalg.norm(u, axis=1, keepdims=True)  # uniform in the ball and in the shell
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _jitter(rng, X, s["noise"]), y


@cache
def table(file: str) -> Table:
    """A table shipped in engine/data (read once)."""
    return from_csv((DATA_DIR / file).read_text(encoding="utf-8"),
                    task="regression" if file == "tips.csv" else "classification",
                    target="tip" if file == "tips.csv" else None)


def _file(file: str) -> Callable[[np.random.Generator, dict[str, Any]], tuple[Array, Array]]:
    return lambda rng, s: (table(file).X, table(file).y)


def _sine(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """y = sin(x) + noise with x uniform on [−π, π]."""
    x = rng.uniform(-np.pi, np.pi, s["n"])
    return x[:, None], np.sin(x) + s["noise"] * rng.standard_normal(s["n"])


DATASETS2D: dict[str, Generator2D] = {
    g.name: g
    for g in (
        Generator2D("linear", "linearly separable", "classification", 2, (_n(), _noise(0.0), SEED, RATIO, STD_OFF),
                    _linear),
        Generator2D("blobs", "Gaussian blobs (K classes)", "classification", 2,
                    (_n(), _noise(0.2), _classes(3), SEED, RATIO, STD_OFF), _blobs),
        Generator2D("xor", "XOR", "classification", 2, (_n(), _noise(0.1), SEED, RATIO, STD_OFF), _xor),
        Generator2D("circles", "circles", "classification", 2, (_n(), _noise(0.05), SEED, RATIO, STD_OFF), _circles),
        Generator2D("moons", "two moons", "classification", 2, (_n(), _noise(0.1), SEED, RATIO, STD_OFF), _moons),
        Generator2D("spiral", "spiral (K arms)", "classification", 2,
                    (_n(300), _noise(0.03), _classes(3), SEED, RATIO, STD_OFF), _spiral),
        Generator2D("sine", "sine with noise (x → y regression)", "regression", 1,
                    (_n(), _noise(0.1), SEED, RATIO, STD_OFF), _sine),
        Generator2D("spheres", "a ball inside a shell (3 features)", "classification", 3,
                    (_n(), _noise(0.05), SEED, RATIO, STD_OFF), _spheres),
        Generator2D("iris", "Fisher's Iris (150 flowers, 4 features, 3 species)", "classification", 4,
                    (SEED, RATIO, _standardize(True)), _file("iris.csv"), columns=table("iris.csv").columns,
                    class_names=("setosa", "versicolor", "virginica")),
        Generator2D("tips", "restaurant tips (244 bills, 6 features → the tip, regression)", "regression", 6,
                    (SEED, RATIO, _standardize(True)), _file("tips.csv"), columns=table("tips.csv").columns,
                    target="tip"),
    )
}
PLANE_SETS = tuple(g.name for g in DATASETS2D.values() if g.inputs == 2)  # the sets that take `features`
