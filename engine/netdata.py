"""A network's data: a table of raw features (generated, built in, points or CSV), split into train and test,
mapped to the network's inputs by optional TensorFlow-Playground features and an optional standardisation.

Data spec (`problem.data`):
  {"name": "xor", <the set's settings>, "features"?, "standardize"?}        a built-in set (engine/datasets2d.py)
  {"points": [[x1, …, xk, label_or_target], ...], "columns"?, "task"?, ...}  rows of numbers
  {"csv": "a,b,label\\n...", "target"?, "task"?, ...}                       a header row, the target named
plus "test_ratio" and "seed" (the split), "standardize" (points: false by default, CSV and the built-in tables:
true) and, for data with exactly two features, "features": the network's inputs chosen from FEATURES (default
["x1", "x2"]). Every set is split into train and test by a seeded shuffle: `test_ratio` (default 0.2) of the
rows, rounded, go to the test set. Standardising maps each input to (x − mean) / deviation over the training
set; the means and deviations are reported (`NetData.info`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import DataError, Dataset
from engine.datasets2d import DATASETS2D, RATIO, SEED, TEST_RATIO, Generator2D
from engine.settings import Setting, check_settings
from engine.tables import Table, from_csv, from_points

Array = np.ndarray
# The input features of TensorFlow Playground, of the two raw features (a, b) = (x1, x2).
FEATURES: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "x1": ("{a}", lambda a, b: a),
    "x2": ("{b}", lambda a, b: b),
    "x1_sq": ("{a}²", lambda a, b: a * a),
    "x2_sq": ("{b}²", lambda a, b: b * b),
    "x1_x2": ("{a}·{b}", lambda a, b: a * b),
    "sin_x1": ("sin {a}", lambda a, b: np.sin(a)),
    "sin_x2": ("sin {b}", lambda a, b: np.sin(b)),
}
USER_SETTINGS = (SEED, RATIO)  # beside "points" or "csv"
USER_KEYS = ("points", "csv", "columns", "target", "task", "standardize", "features")


@dataclass(frozen=True)
class NetData:
    """Train and test sets of network inputs X (n, inputs) and labels or targets y (n,), with the raw features
    they came from and the map between the two."""

    train: Dataset
    test: Dataset
    raw_train: Array  # (n_train, raw features) before the input features and the standardisation
    raw_test: Array
    task: str  # "classification" or "regression"
    classes: int | None  # K for classification, None for regression
    name: str  # set name, "points" or "csv"
    columns: tuple[str, ...]  # the raw features' names
    target: str
    features: tuple[str, ...] | None  # FEATURES keys making the inputs of two raw features (None: the raw ones)
    mean: Array | None  # (inputs,) standardisation: inputs = (features − mean) / std
    std: Array | None
    class_names: tuple[str, ...] | None = None

    @property
    def inputs(self) -> int:
        """Number of network inputs."""
        return int(self.train.X.shape[1])

    @property
    def raw_width(self) -> int:
        """Number of raw features (2 for the plane, 1 for x → y regression)."""
        return int(self.raw_train.shape[1])

    @property
    def input_names(self) -> list[str]:
        """The network inputs' names, e.g. ["x1", "x2", "x1²"] or a CSV's column names."""
        if self.features is None:
            return list(self.columns)
        a, b = self.columns
        return [FEATURES[f][0].format(a=a, b=b) for f in self.features]

    def to_inputs(self, raw: Array) -> Array:
        """Network inputs (m, inputs) of raw feature rows (m, raw features)."""
        return _inputs(np.asarray(raw, dtype=np.float64), self.features, self.mean, self.std)

    def raw_all(self) -> Array:
        """Every raw row, train then test (n, raw features)."""
        return np.vstack([self.raw_train, self.raw_test])

    def box(self, margin: float = 0.1) -> tuple[list[float], list[float]]:
        """The raw features' bounding box over train and test, widened by `margin` of its span on each side."""
        X = self.raw_all()
        low, high = X.min(axis=0), X.max(axis=0)
        pad = margin * np.maximum(high - low, 1e-9)
        return (low - pad).tolist(), (high + pad).tolist()

    def info(self) -> dict[str, Any]:
        """Facts for a run's state: names, the features and the standardisation (JSON types)."""
        return {
            "columns": list(self.columns), "input_names": self.input_names, "target": self.target,
            "features": None if self.features is None else list(self.features),
            "standardize": None if self.mean is None or self.std is None else {
                "mean": self.mean.tolist(), "std": self.std.tolist()},
            "class_names": None if self.class_names is None else list(self.class_names),
        }


def _inputs(raw: Array, features: tuple[str, ...] | None, mean: Array | None, std: Array | None) -> Array:
    X = raw if features is None else np.column_stack([FEATURES[f][1](raw[:, 0], raw[:, 1]) for f in features])
    if mean is not None and std is not None:
        X = (X - mean) / std
    return np.ascontiguousarray(X, dtype=np.float64)


def split(X: Array, y: Array, test_ratio: float, seed: int) -> tuple[Dataset, Dataset]:
    """Seeded shuffle, then round(test_ratio · n) points to the test set (at least one point stays in train)."""
    if not 0.0 <= test_ratio < 1.0:
        raise DataError(f"test_ratio must be at least 0 and below 1, got {test_ratio}")
    n = X.shape[0]
    n_test = min(int(round(test_ratio * n)), n - 1)
    perm = np.random.default_rng([seed, 1]).permutation(n)  # its own stream: the split never moves the points
    te, tr = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return Dataset(X=X[tr], y=y[tr]), Dataset(X=X[te], y=y[te])


def _features(value: Any, width: int) -> tuple[str, ...] | None:
    if value is None:
        return None
    if width != 2:
        raise DataError(f"features (x1², x1·x2, …) need data with 2 features; this data has {width}")
    if not isinstance(value, list) or not value or not all(isinstance(f, str) for f in value):
        raise DataError(f"features must be a non-empty list of names from {', '.join(FEATURES)}")
    for f in value:
        if f not in FEATURES:
            raise DataError(f"unknown feature {f!r} (known: {', '.join(FEATURES)})")
    if len(set(value)) < len(value):
        raise DataError("features names one feature twice")
    return tuple(value)


def build(table: Table, name: str, s: dict[str, Any], features: Any = None, standardize: bool = False,
          class_names: tuple[str, ...] | None = None) -> NetData:
    """Split a checked table, map it to the network's inputs and standardise them on the training set."""
    feats = _features(features, table.X.shape[1])
    perm_train, perm_test = split(table.X, table.y, s["test_ratio"], s["seed"])
    X_train = _inputs(perm_train.X, feats, None, None)
    mean = std = None
    if standardize:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        flat = np.flatnonzero(std == 0)
        if len(flat):
            raise DataError(f"input {flat[0]} is constant over the training set: it cannot be standardised")
    fit = lambda X: _inputs(X, feats, mean, std)  # noqa: E731
    return NetData(
        train=Dataset(X=fit(perm_train.X), y=perm_train.y), test=Dataset(X=fit(perm_test.X), y=perm_test.y),
        raw_train=perm_train.X, raw_test=perm_test.X, task=table.task, classes=table.classes, name=name,
        columns=table.columns, target=table.target, features=feats, mean=mean, std=std, class_names=class_names)


def _bool(spec: dict[str, Any], key: str, default: bool) -> bool:
    value = spec.pop(key, None)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise DataError(f"{key} must be true or false, got {value!r}")
    return value


def _str(spec: dict[str, Any], key: str) -> str | None:
    value = spec.pop(key, None)
    if value is not None and not isinstance(value, str):
        raise DataError(f"{key} must be a string, got {value!r}")
    return value


def _generated(gen: Generator2D, spec: dict[str, Any]) -> NetData:
    features = spec.pop("features", None)
    s = check_settings(gen.settings, spec, prefix="problem.data.")
    X, y = gen.make(np.random.default_rng(s["seed"]), s)
    width = X.shape[1]
    columns = gen.columns or (("x",) if width == 1 else tuple(f"x{j + 1}" for j in range(width)))
    target = gen.target or ("y" if gen.task == "regression" else "label")
    classes = None if gen.task == "regression" else int(s.get("classes", 3 if gen.class_names else 2))
    table = Table(X=np.ascontiguousarray(X, dtype=np.float64), y=np.asarray(y, dtype=np.float64), columns=columns,
                  target=target, task=gen.task, classes=classes)  # generated: K is the setting, as drawn
    return build(table, gen.name, s, features, bool(s.get("standardize", False)), gen.class_names)


def make_data(spec: dict[str, Any] | None) -> NetData:
    """The NetData of a data spec (see the module docstring)."""
    spec = dict(spec or {"name": "xor"})
    if "points" not in spec and "csv" not in spec:
        name = spec.pop("name", "xor")
        if name not in DATASETS2D:
            raise DataError(f"unknown data set {name!r} (known: {', '.join(DATASETS2D)}, or points / csv)")
        return _generated(DATASETS2D[name], spec)
    features = spec.pop("features", None)
    task = _str(spec, "task")
    if "points" in spec:
        points, columns = spec.pop("points"), spec.pop("columns", None)
        if columns is not None and (not isinstance(columns, list) or not all(isinstance(c, str) for c in columns)):
            raise DataError("columns must be a list of the features' names")
        table, name, standardize = from_points(points, columns, task), "points", _bool(spec, "standardize", False)
    else:
        table = from_csv(spec.pop("csv"), _str(spec, "target"), task)
        name, standardize = "csv", _bool(spec, "standardize", True)
    s = check_settings(USER_SETTINGS, spec, prefix="problem.data.")
    return build(table, name, s, features, standardize)


def user_settings() -> list[dict[str, Any]]:
    """The settings beside points or CSV, described (for the registry)."""
    return [f.describe() for f in USER_SETTINGS] + [
        Setting("standardize", "bool", True, "standardise the inputs to mean 0 and deviation 1 over the training "
                "set (default: true for CSV, false for points)").describe()]


__all__ = ["FEATURES", "NetData", "TEST_RATIO", "USER_SETTINGS", "build", "make_data", "split"]
