"""Shared fixtures for engine tests."""

import numpy as np
import pytest

from engine.datasets import LineConfig, make_line
from engine.problems import LinearRegression


@pytest.fixture
def lr_problem() -> LinearRegression:
    """The default generated line: y = 2 + 3x + N(0, 0.5²), 100 points."""
    return LinearRegression(make_line(LineConfig()))


def finite_diff_grad(f, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of a scalar function f at theta (d,)."""
    g = np.zeros_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        g[j] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g
