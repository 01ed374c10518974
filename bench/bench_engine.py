"""Engine gradient-descent steps per second (N = 1,000, full batch) beside a bare NumPy loop.

The bare loop is the update θ ← θ − γ·2/N·Xᵀ(Xθ − y) with J computed each step, as a person would
write it in a notebook; the engine does the same update and also keeps the history, the stopping
tests and divergence checks (and evaluates J and ∇J from centred sufficient statistics).
"""

from __future__ import annotations

import numpy as np
from common import best_of, report

from engine.build import build_run

STEPS = 20_000


def bare_loop(X: np.ndarray, y: np.ndarray, steps: int, lr: float = 0.1) -> np.ndarray:
    theta = np.zeros(2)
    n = len(y)
    for _ in range(steps):
        r = X @ theta - y
        _J = r @ r / n
        g = (2.0 / n) * (X.T @ r)
        theta = theta - lr * g
    return theta


def main() -> None:
    spec = {"problem": {"kind": "linear_regression", "data": {"n": 1000}},
            "optimizer": {"name": "gd", "lr": 0.1}, "stop": {"grad_norm": None, "max_steps": None}}
    run = build_run(spec)
    X, y = run.problem.X, run.problem.y

    def engine() -> None:
        build_run(spec).step(STEPS)

    t_engine = best_of(engine)
    t_bare = best_of(lambda: bare_loop(X, y, STEPS))
    report("engine gd steps/s (N=1,000, full batch)", STEPS / t_engine, "steps/s")
    report("bare NumPy loop steps/s (same update)", STEPS / t_bare, "steps/s")
    report("engine time / bare-loop time", t_engine / t_bare, "×", "≤ 2×")
    run = build_run(spec)
    run.step(STEPS)
    np.testing.assert_allclose(run.theta[0], bare_loop(X, y, STEPS), rtol=1e-9)  # the same update
    per_example = build_run({**spec, "optimizer": {"name": "gd", "lr": 0.01, "batch_size": 1}})
    t = best_of(lambda: per_example.step(5000), repeats=3)
    report("engine per-example (batch_size=1) steps/s", 5000 / t, "steps/s")


if __name__ == "__main__":
    main()
