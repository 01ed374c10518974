"""Data for networks: generated 2-D classification sets, a 1-D regression set, user points and CSV.

Generated points lie roughly in [−1, 1]² (moons: [−1.5, 1.5] × [−0.75, 0.75]; sine: x in [−π, π]);
`noise` is the standard deviation of Gaussian jitter added to the points (sine: to y), in those units.
Labels are whole numbers 0..K−1. Every set is split into train and test by a seeded shuffle:
`test_ratio` (default 0.2) of the points, rounded, go to the test set.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import DataError, Dataset, parse_csv, validate_points
from engine.settings import Setting, check_settings

MAX_POINTS = 10_000  # networks refuse more points than this (train + test)
MAX_CLASSES = 10  # labels 0..9
TEST_RATIO = 0.2  # default share of the points held out for testing

Array = np.ndarray


@dataclass(frozen=True)
class NetData:
    """Train and test sets of one task: X (n, inputs), y (n,) labels (classification) or targets (regression)."""

    train: Dataset
    test: Dataset
    task: str  # "classification" or "regression"
    classes: int | None  # K for classification, None for regression
    name: str  # generator name, "points" or "csv"

    @property
    def inputs(self) -> int:
        """Number of input columns (2 for the plane, 1 for x → y regression)."""
        return int(self.train.X.shape[1])

    def box(self, margin: float = 0.1) -> tuple[list[float], list[float]]:
        """The inputs' bounding box over train and test, widened by `margin` of its span on each side."""
        X = np.vstack([self.train.X, self.test.X])
        low, high = X.min(axis=0), X.max(axis=0)
        pad = margin * np.maximum(high - low, 1e-9)
        return (low - pad).tolist(), (high + pad).tolist()


@dataclass(frozen=True)
class Generator2D:
    """A named generator, its task, its number of inputs and its settings (drawn from `make(rng, settings)`)."""

    name: str
    title: str
    task: str
    inputs: int
    settings: tuple[Setting, ...]
    make: Callable[[np.random.Generator, dict[str, Any]], tuple[Array, Array]]  # -> X (n, inputs), y (n,)


def _n(default: int = 200) -> Setting:
    return Setting("n", "int", default, "number of points (train + test)", low=2, high=MAX_POINTS)


def _noise(default: float) -> Setting:
    return Setting("noise", "float", default, "standard deviation of the Gaussian jitter", low=0.0, high=10.0)


def _classes(default: int = 3) -> Setting:
    return Setting("classes", "int", default, "number of classes K", low=2, high=MAX_CLASSES)


SEED = Setting("seed", "int", 0, "seed of the points and of the train/test split", low=0, high=2**32 - 1)
RATIO = Setting("test_ratio", "float", TEST_RATIO, "share of the points held out as the test set (0 to 0.95)",
                low=0.0, high=0.95)


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


def _sine(rng: np.random.Generator, s: dict[str, Any]) -> tuple[Array, Array]:
    """y = sin(x) + noise with x uniform on [−π, π]."""
    x = rng.uniform(-np.pi, np.pi, s["n"])
    return x[:, None], np.sin(x) + s["noise"] * rng.standard_normal(s["n"])


DATASETS2D: dict[str, Generator2D] = {
    g.name: g
    for g in (
        Generator2D("linear", "linearly separable", "classification", 2, (_n(), _noise(0.0), SEED, RATIO), _linear),
        Generator2D("blobs", "Gaussian blobs (K classes)", "classification", 2,
                    (_n(), _noise(0.2), _classes(3), SEED, RATIO), _blobs),
        Generator2D("xor", "XOR", "classification", 2, (_n(), _noise(0.1), SEED, RATIO), _xor),
        Generator2D("circles", "circles", "classification", 2, (_n(), _noise(0.05), SEED, RATIO), _circles),
        Generator2D("moons", "two moons", "classification", 2, (_n(), _noise(0.1), SEED, RATIO), _moons),
        Generator2D("spiral", "spiral (K arms)", "classification", 2,
                    (_n(300), _noise(0.03), _classes(3), SEED, RATIO), _spiral),
        Generator2D("sine", "sine with noise (x → y regression)", "regression", 1,
                    (_n(), _noise(0.1), SEED, RATIO), _sine),
    )
}
USER_SETTINGS = (SEED, RATIO)  # beside "points" or "csv"


def split(X: Array, y: Array, test_ratio: float, seed: int) -> tuple[Dataset, Dataset]:
    """Seeded shuffle, then round(test_ratio · n) points to the test set (at least one point stays in train)."""
    if not 0.0 <= test_ratio < 1.0:
        raise DataError(f"test_ratio must be at least 0 and below 1, got {test_ratio}")
    n = X.shape[0]
    n_test = min(int(round(test_ratio * n)), n - 1)
    perm = np.random.default_rng([seed, 1]).permutation(n)  # its own stream: the split never moves the points
    te, tr = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return Dataset(X=X[tr], y=y[tr]), Dataset(X=X[te], y=y[te])


def check_labels(y: Array) -> int:
    """The number of classes K of labels y, which must be the whole numbers 0..K−1, each present."""
    if np.any(y != np.round(y)) or np.any(y < 0):
        bad = y[(y != np.round(y)) | (y < 0)][0]
        raise DataError(f"labels must be whole numbers 0, 1, …, K−1; got {bad:g}")
    k = int(y.max()) + 1
    if k > MAX_CLASSES:
        raise DataError(f"too many classes: labels go up to {k - 1} (at most {MAX_CLASSES} classes, "
                        f"0..{MAX_CLASSES - 1})")
    present = np.unique(y).astype(int)
    if len(present) < 2:
        raise DataError(f"need at least 2 classes; every label is {present[0]}")
    if len(present) < k:
        missing = sorted(set(range(k)) - set(present.tolist()))
        raise DataError(f"labels must be 0..K−1 with every class present; no point has label {missing[0]}")
    return k


def _user(ds: Dataset, name: str, rest: dict[str, Any]) -> NetData:
    s = check_settings(USER_SETTINGS, rest, prefix="problem.data.")
    classify = ds.X.shape[1] == 2
    k = check_labels(ds.y) if classify else None
    train, test = split(ds.X, ds.y, s["test_ratio"], s["seed"])
    return NetData(train=train, test=test, task="classification" if classify else "regression", classes=k, name=name)


def _csv_columns(text: str) -> tuple[str, ...]:
    """x1,x2,label for classification or x,y for regression, from the CSV header."""
    try:
        header = {h.strip().lower() for h in next(csv.reader(io.StringIO(text.strip())))}
    except StopIteration:
        raise DataError("the CSV file is empty") from None
    if {"x1", "x2", "label"} <= header:
        return ("x1", "x2", "label")
    if {"x", "y"} <= header:
        return ("x", "y")
    raise DataError("the CSV header must name the columns x1,x2,label (classification) or x,y (regression)")


def make_data(spec: dict[str, Any] | None) -> NetData:
    """The NetData of a data spec: {"name", settings...}, {"points": [[x1, x2, label] | [x, y], ...]} or {"csv"}."""
    spec = dict(spec or {"name": "xor"})
    if "points" in spec:
        points = spec.pop("points")
        try:
            width = len(points[0])
        except (TypeError, IndexError, KeyError):
            width = 3  # let validate_points say what is wrong
        columns: tuple[str, ...] = ("x1", "x2", "label") if width != 2 else ("x", "y")
        return _user(validate_points(points, columns=columns, max_points=MAX_POINTS), "points", spec)
    if "csv" in spec:
        text = spec.pop("csv")
        if not isinstance(text, str):
            raise DataError("csv must be the text of a CSV file")
        columns = _csv_columns(text)
        return _user(parse_csv(text, columns=columns, max_points=MAX_POINTS), "csv", spec)
    name = spec.pop("name", "xor")
    if name not in DATASETS2D:
        raise DataError(f"unknown data set {name!r} (known: {', '.join(DATASETS2D)}, or points / csv)")
    gen = DATASETS2D[name]
    s = check_settings(gen.settings, spec, prefix="problem.data.")
    X, y = gen.make(np.random.default_rng(s["seed"]), s)
    train, test = split(X, y, s["test_ratio"], s["seed"])
    classes = int(s.get("classes", 2)) if gen.task == "classification" else None
    return NetData(train=train, test=test, task=gen.task, classes=classes, name=name)
