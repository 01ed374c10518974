"""Milliseconds for a network's loss landscape and the other "inside the lecture" views.

The network is [2, 8, 8, 1] with tanh, a sigmoid head and binary cross-entropy on 500 training points,
trained 300 steps; a slice is 51 × 51 = 2,601 parameter vectors, J at each over the 500 points (float64).
"Descent" is what the server runs (engine/kernels_grid.py compiles J at many parameter vectors); the reference is
the same view through NumPy's batched products (kernels.ENABLED = False), timed in the same run. Wall clock and
this process's CPU time (fairer on a machine others load too). The largest network's backprop table:
bench/bench_backprop.py.
"""

from __future__ import annotations

from functools import partial

from common import best_of, report
from common import with_and_without_kernels as both

from engine.backprop import backprop_table
from engine.build import build_run
from engine.explain import explain_step
from engine.loss_compare import loss_compare
from engine.slices import run_line, run_slice

SPEC = {
    "problem": {"kind": "network", "layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
                "data": {"name": "xor", "n": 625, "noise": 0.1, "test_ratio": 0.2, "seed": 0}},
    "optimizer": {"name": "gd", "lr": 0.5},
    "stop": {"grad_norm": None, "max_steps": None},
}


def main() -> None:
    run = build_run(SPEC)
    assert run.problem.n_train == 500
    run.step(300)
    run_slice(run, 0, "filter", n=51)  # compiled kernels loaded
    for directions in ("random", "filter", "pca"):
        both(f"51 × 51 {directions} slice", partial(run_slice, run, 0, directions, n=51), "< 100 ms")
    both("1-D line from θ₀ to θ, 101 points", lambda: run_line(run, 0, n=101), repeats=10)
    t = best_of(lambda: backprop_table(run.problem, run.theta[0], 0), repeats=20)  # type: ignore[arg-type]
    report("backprop table with finite differences, [2, 8, 8, 1]", t * 1e3, "ms", "< 50 ms")
    t = best_of(lambda: explain_step(run), repeats=20)
    report("explain_step, [2, 8, 8, 1]", t * 1e3, "ms")
    t = best_of(lambda: loss_compare(), repeats=5)
    report("loss_compare 41 × 41, default network, 2 × 200 steps", t * 1e3, "ms")


if __name__ == "__main__":
    main()
