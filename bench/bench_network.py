"""Network training steps per second beside PyTorch (eager, CPU, float64), and the decision-grid time.

The network is [2, 8, 8, 1] with tanh, a sigmoid head and binary cross-entropy on 500 training points,
full batch, plain gradient descent. The engine's step also keeps the history and the stopping and
divergence tests; the PyTorch step is zero_grad, forward, loss, backward, SGD step and loss.item().
PyTorch runs in a subprocess (bench/torch_ref.py) from a scratch environment when this one lacks it; its lines
are skipped when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from common import best_of, report

from engine import slices
from engine.build import build_run
from engine.network import NetworkProblem

STEPS = 500  # per timed round; rounds alternate engine and PyTorch
SPEC = {
    "problem": {"kind": "network", "layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
                "data": {"name": "xor", "n": 625, "noise": 0.1, "test_ratio": 0.2, "seed": 0}},
    "optimizer": {"name": "gd", "lr": 0.5},
    "stop": {"grad_norm": None, "max_steps": None},
}


def torch_seconds(problem: NetworkProblem, theta0: np.ndarray, steps: int, rounds: int,
                  batch: int | None = None) -> float | None:
    """CPU seconds per step of the same network, data, start and update in PyTorch eager mode (float64); `batch`:
    per-example (1) or mini-batch updates, each followed by the full J and ‖∇J‖ of the step's record.

    Runs bench/torch_ref.py with this Python when it has torch, else with $DESCENT_TORCH_PYTHON (default
    /tmp/torchvenv/bin/python: `python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy`);
    None when neither has it.
    """
    try:
        import torch  # noqa: F401

        python = sys.executable
    except ImportError:
        python = os.environ.get("DESCENT_TORCH_PYTHON", "/tmp/torchvenv/bin/python")
        if not Path(python).exists():
            return None
    blocks = {f"{k}{i}": v for i, (W, b) in enumerate(problem.mlp.unpack(theta0), start=1) for k, v in (("W", W),
                                                                                                          ("b", b))}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.npz"
        np.savez(path, X=problem.X, T=problem.T, **blocks)
        out = subprocess.run([python, str(Path(__file__).with_name("torch_ref.py")), str(path), str(steps),
                              str(rounds), *([] if batch is None else [str(batch)])], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "torch_ref.py failed")
        return None
    return float(out.stdout.split()[-1])


def interleaved(fns: dict[str, Callable[[int], object]], n: int, rounds: int = 15) -> dict[str, float]:
    """CPU seconds per call of each fn(n)/n, best of `rounds` rounds run in turn (fair on a busy machine)."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], best_of(lambda fn=fn: fn(n), repeats=1, clock=time.process_time) / n)
    return best


def main() -> None:
    run = build_run(SPEC)
    problem = run.problem
    assert isinstance(problem, NetworkProblem) and problem.n_train == 500
    theta0 = run.theta[0].copy()
    run.step(100)
    fns: dict[str, Callable[[int], object]] = {"engine": run.step}
    first = interleaved(fns, STEPS, rounds=8)["engine"]  # before and after PyTorch's turn: the same machine load
    t_torch = torch_seconds(problem, theta0, STEPS, 15)
    best = {"engine": min(first, interleaved(fns, STEPS, rounds=7)["engine"])}
    report("engine steps/s ([2, 8, 8, 1] tanh, BCE, 500 points, full batch)", 1 / best["engine"], "steps/s")
    th = run.theta.copy()
    t_lg = best_of(lambda: [problem.loss_grad(th) for _ in range(1000)], repeats=5) / 1000
    report("  of which J and ∇J (loss_grad, one racer)", t_lg * 1e6, "µs")
    if t_torch is None:
        print("PyTorch is not installed: skipping the comparison")
    else:
        report("PyTorch eager CPU steps per CPU second (float64; counts its thread pool)", 1 / t_torch, "steps/s")
        report("engine / PyTorch", t_torch / best["engine"], "×", "≥ 5×")
    mb = build_run({**SPEC, "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 10}})
    report("engine mini-batch (10) steps/s", 1 / interleaved({"mb": mb.step}, STEPS, rounds=5)["mb"], "steps/s")
    t_grid = best_of(lambda: problem.predict_grid(th[0], None, 100), repeats=20)
    report("predict_grid 100 × 100", t_grid * 1e3, "ms", "< 10 ms")
    t_hidden = best_of(lambda: problem.hidden_grids(th[0], None, 32), repeats=20)
    report("hidden_grids 32 × 32 (16 thumbnails)", t_hidden * 1e3, "ms")
    thetas = th[0] + 0.1 * np.random.default_rng(0).standard_normal((51 * 51, problem.dim))
    t_slice = best_of(lambda: slices.losses(problem, thetas), repeats=3)  # what the landscape slice uses
    report("J at 51 × 51 parameter vectors (a landscape slice)", t_slice * 1e3, "ms", "< 200 ms")
    t_ref = best_of(lambda: problem.loss(thetas), repeats=3)
    report("  the same, NumPy reference (problem.loss)", t_ref * 1e3, "ms")


if __name__ == "__main__":
    main()
