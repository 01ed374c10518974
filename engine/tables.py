"""Tables of k ≥ 1 numeric features and a target, from points or CSV text, checked cell by cell.

A table is rows [x1, …, xk, target]. Every refusal names the row and the column: a ragged row, a cell that is
not a number, NaN or infinity, a constant feature column, more than MAX_ROWS rows or MAX_FEATURES features,
and for classification labels that are not the whole numbers 0..K−1 (each present, at least two classes).
Points are numbered from 0 as in the JSON list; CSV rows from 1 after the header (line numbers from 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import DataError

MAX_ROWS = 10_000  # networks refuse more rows than this (train + test)
MAX_FEATURES = 64  # input columns of one table
MAX_CLASSES = 10  # labels 0..9
TARGETS = ("label", "y")  # a CSV's target column when `target` is not given, in this order of preference
TASKS = ("classification", "regression")

Array = np.ndarray


@dataclass(frozen=True)
class Table:
    """Raw features X (n, k) named `columns`, a target y (n,) named `target`, the task and K (classification)."""

    X: Array  # (n, k)
    y: Array  # (n,)
    columns: tuple[str, ...]
    target: str
    task: str
    classes: int | None


def check_labels(y: Array, where: Any = lambda i: f"row {i}", column: str = "label") -> int:
    """The number of classes K of labels y, which must be the whole numbers 0..K−1, each present."""
    bad = np.flatnonzero((y != np.round(y)) | (y < 0))
    if len(bad):
        i = int(bad[0])
        raise DataError(f"{where(i)}, column {column}: labels must be whole numbers 0, 1, …, K−1; got {y[i]:g} "
                        "(for a numeric target, set task to regression)")
    k = int(y.max()) + 1
    if k > MAX_CLASSES:
        i = int(np.argmax(y))
        raise DataError(f"{where(i)}, column {column}: too many classes: label {k - 1} (at most {MAX_CLASSES} "
                        f"classes, 0..{MAX_CLASSES - 1})")
    present = np.unique(y).astype(int)
    if len(present) < 2:
        raise DataError(f"column {column}: every row has label {present[0]}; need at least 2 classes")
    if len(present) < k:
        missing = sorted(set(range(k)) - set(present.tolist()))
        raise DataError(f"column {column}: labels must be 0..K−1 with every class present; no row has label "
                        f"{missing[0]} (labels go up to {k - 1})")
    return k


def check_table(arr: Array, columns: Sequence[str], target: str, task: str, where: Any) -> Table:
    """Check a float array (n, k + 1) whose last column is the target; `where(i)` names row i in messages."""
    n, width = arr.shape
    if n < 2:
        raise DataError(f"need at least 2 rows, got {n}")
    if n > MAX_ROWS:
        raise DataError(f"too many rows: {n:,} (at most {MAX_ROWS:,})")
    if width - 1 > MAX_FEATURES:
        raise DataError(f"too many features: {width - 1} (at most {MAX_FEATURES})")
    names = [*columns, target]
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"{where(int(i))}, column {names[j]}: {arr[i, j]} is refused (NaN and infinity are not data)")
    X, y = arr[:, :-1], arr[:, -1]
    const = np.flatnonzero(np.all(X == X[0], axis=0))
    if len(const):
        j = int(const[0])
        raise DataError(f"column {names[j]} is constant (every row is {X[0, j]:g}): it tells the rows nothing apart")
    if task not in TASKS:
        raise DataError(f"task must be classification or regression, got {task!r}")
    k = check_labels(y, where, target) if task == "classification" else None
    return Table(X=np.ascontiguousarray(X), y=np.ascontiguousarray(y), columns=tuple(columns), target=target,
                 task=task, classes=k)


def from_points(points: Any, columns: Sequence[str] | None = None, task: str | None = None) -> Table:
    """A table from rows [x1, …, xk, label_or_target]; width 2 is regression [x, y] unless `task` says otherwise."""
    if not isinstance(points, (list, tuple)) or not points:
        raise DataError("points must be a non-empty list of rows [x1, …, xk, label]")
    widths = [len(r) if isinstance(r, (list, tuple)) else -1 for r in points]
    width = widths[0]
    if width < 2:
        raise DataError("point 0 must be a row of at least 2 numbers [x1, …, xk, label]")
    for i, w in enumerate(widths):
        if w != width:
            raise DataError(f"point {i} has {max(w, 0)} values, point 0 has {width}: every row needs the same width")
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        for i, row in enumerate(points):
            for j, v in enumerate(row):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise DataError(f"point {i}, column {j}: {str(v)[:40]!r} is not a number") from None
        raise DataError("points must be numbers") from None
    task = task or ("regression" if width == 2 else "classification")
    if columns is None:
        columns = ["x"] if width == 2 and task == "regression" else [f"x{j + 1}" for j in range(width - 1)]
    elif len(columns) != width - 1:
        raise DataError(f"columns names {len(columns)} feature(s) but the points have {width - 1}")
    target = "y" if task == "regression" else "label"
    return check_table(arr, list(columns), target, task, lambda i: f"point {i}")


def from_csv(text: str, target: str | None = None, task: str | None = None) -> Table:
    """A table from CSV text with a header row: the target column (`target`, else label or y), all others features.

    The task is regression when the target is named y, classification otherwise, unless `task` says.
    """
    if not isinstance(text, str):
        raise DataError("csv must be the text of a CSV file")
    reader = csv.reader(io.StringIO(text.strip()))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError("the CSV file is empty") from None
    lower = [h.lower() for h in header]
    for j, h in enumerate(header):
        if not h:
            raise DataError(f"the CSV header names no column {j + 1}")
        if lower.index(h.lower()) != j:
            raise DataError(f"the CSV header names column {h!r} twice")
    if target is None:
        found = [t for t in TARGETS if t in lower]
        if not found:
            raise DataError("the CSV header must name a target column label (classes) or y (values), or give target")
        target = found[0]
    if target.lower() not in lower:
        raise DataError(f"the CSV header has no column {target!r} (it has {', '.join(header)[:200]})")
    t = lower.index(target.lower())
    target = header[t]
    task = task or ("regression" if target.lower() == "y" else "classification")
    order = [j for j in range(len(header)) if j != t] + [t]
    if len(order) < 2:
        raise DataError("the CSV needs at least one feature column beside the target")
    rows: list[list[float]] = []
    numbers: list[int] = []  # the CSV row number of each table row (blank lines skipped)
    for r, row in enumerate(reader, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(rows) >= MAX_ROWS:
            raise DataError(f"too many rows: more than {MAX_ROWS:,}")
        if len(row) != len(header):
            raise DataError(f"CSV row {r} (line {r + 1}) has {len(row)} cells, the header {len(header)}")
        values = []
        for j in order:
            try:
                values.append(float(row[j]))
            except ValueError:
                raise DataError(f"CSV row {r} (line {r + 1}), column {header[j]}: {row[j].strip()[:40]!r} is not "
                                "a number") from None
        rows.append(values)
        numbers.append(r)
    if not rows:
        raise DataError("the CSV has a header but no rows")
    return check_table(np.asarray(rows, dtype=np.float64), [header[j] for j in order[:-1]], target, task,
                       lambda i: f"CSV row {numbers[i]} (line {numbers[i] + 1})")
