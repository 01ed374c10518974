"""Datasets: generated sets and user points, validated into a `Dataset`.

Linear regression uses one input column; the 2-D classification and regression sets used by
networks live in `engine/datasets2d.py` and share the validation here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_POINTS = 100_000  # linear regression refuses more points than this


class DataError(ValueError):
    """Raised for data a problem cannot use; the message says what is wrong."""


@dataclass(frozen=True)
class Dataset:
    """Inputs `X` (n, d) and targets `y` (n,), as float64."""

    X: np.ndarray  # (n, d)
    y: np.ndarray  # (n,)

    @property
    def n(self) -> int:
        """Number of examples."""
        return int(self.X.shape[0])


@dataclass(frozen=True)
class LineConfig:
    """Settings of the generated line y = intercept + slope * x + noise."""

    n: int = 100  # number of points
    slope: float = 3.0  # true theta_2
    intercept: float = 2.0  # true theta_1
    noise: float = 0.5  # standard deviation of the Gaussian noise on y
    x_min: float = 0.0  # x drawn uniformly from [x_min, x_max]
    x_max: float = 1.0
    seed: int = 0  # seed of the generator: same seed, same points


def make_line(cfg: LineConfig) -> Dataset:
    """Generate `y = intercept + slope * x + noise` with x uniform on [x_min, x_max]."""
    if not 2 <= cfg.n <= MAX_POINTS:
        raise DataError(f"n must be between 2 and {MAX_POINTS:,} points, got {cfg.n}")
    if not cfg.x_max > cfg.x_min:
        raise DataError(f"x_max ({cfg.x_max}) must be greater than x_min ({cfg.x_min})")
    if cfg.noise < 0:
        raise DataError(f"noise must be 0 or more, got {cfg.noise}")
    rng = np.random.default_rng(cfg.seed)
    x = rng.uniform(cfg.x_min, cfg.x_max, cfg.n)
    y = cfg.intercept + cfg.slope * x + cfg.noise * rng.standard_normal(cfg.n)
    return validate_points(np.column_stack([x, y]), columns=("x", "y"))


def validate_points(
    points: Sequence[Sequence[float]] | np.ndarray,
    columns: Sequence[str] = ("x", "y"),
    max_points: int = MAX_POINTS,
) -> Dataset:
    """Check user points (rows of `columns`) and return them as a Dataset; the last column is the target."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"points must be numbers, each a row [{', '.join(columns)}]") from exc
    width = len(columns)
    if arr.ndim != 2 or arr.shape[1] != width:
        raise DataError(f"points must be rows of {width} numbers [{', '.join(columns)}]")
    n = arr.shape[0]
    if n < 2:
        raise DataError(f"need at least 2 points, got {n}")
    if n > max_points:
        raise DataError(f"too many points: {n:,} (at most {max_points:,})")
    bad = ~np.isfinite(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"point {row} has a non-finite {columns[col]} ({arr[row, col]}); NaN and infinity are refused")
    X = arr[:, :-1]
    if np.all(X == X[0]):
        name = columns[0] if width == 2 else "inputs"
        raise DataError(f"all {name} values are equal ({X[0, 0]}): no line can be fitted")
    return Dataset(X=np.ascontiguousarray(X), y=np.ascontiguousarray(arr[:, -1]))


def parse_csv(text: str, columns: Sequence[str] = ("x", "y"), max_points: int = MAX_POINTS) -> Dataset:
    """Parse CSV text whose header names `columns` (in any order, extra columns ignored)."""
    reader = csv.reader(io.StringIO(text.strip()))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DataError("the CSV file is empty") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"the CSV header must name the columns {','.join(columns)}; missing {','.join(missing)}")
    idx = [header.index(c) for c in columns]
    rows: list[list[float]] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(rows) >= max_points:
            raise DataError(f"too many points: more than {max_points:,}")
        try:
            rows.append([float(row[i]) for i in idx])
        except (ValueError, IndexError):
            raise DataError(f"CSV line {line_no} is not {len(columns)} numbers: {','.join(row)[:80]!r}") from None
    return validate_points(rows, columns=columns, max_points=max_points)
