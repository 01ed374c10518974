"""Network training steps per second beside PyTorch (eager, CPU, float64), and the decision-grid time.

The network is [2, 8, 8, 1] with tanh, a sigmoid head and binary cross-entropy on 500 training points,
full batch, plain gradient descent. The engine's step also keeps the history and the stopping and
divergence tests; the PyTorch step is zero_grad, forward, loss, backward, SGD step and loss.item().
PyTorch is optional: its lines are skipped when it is not installed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from common import best_of, report

from engine.build import build_run
from engine.network import NetworkProblem

STEPS = 500  # per timed round; rounds alternate engine and PyTorch
SPEC = {
    "problem": {"kind": "network", "layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
                "data": {"name": "xor", "n": 625, "noise": 0.1, "test_ratio": 0.2, "seed": 0}},
    "optimizer": {"name": "gd", "lr": 0.5},
    "stop": {"grad_norm": None, "max_steps": None},
}


def torch_stepper(problem: NetworkProblem, theta0: np.ndarray) -> Callable[[int], None] | None:
    """n steps of the same network, data, start and update in PyTorch eager mode; None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    X = torch.tensor(problem.X)
    t = torch.tensor(problem.T)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for lin, (W, b) in zip([model[0], model[2], model[4]], problem.mlp.unpack(theta0), strict=True):
            lin.weight.copy_(torch.tensor(W.T))
            lin.bias.copy_(torch.tensor(b))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def run(n: int) -> None:
        for _ in range(n):
            opt.zero_grad()
            loss = loss_fn(model(X), t)
            loss.backward()
            opt.step()
            loss.item()

    return run


def interleaved(fns: dict[str, Callable[[int], object]], n: int, rounds: int = 15) -> dict[str, float]:
    """Seconds per call of each fn(n)/n, best of `rounds` rounds run in turn (fair on a busy machine)."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], best_of(lambda fn=fn: fn(n), repeats=1) / n)
    return best


def main() -> None:
    run = build_run(SPEC)
    problem = run.problem
    assert isinstance(problem, NetworkProblem) and problem.n_train == 500
    theta0 = run.theta[0].copy()
    run.step(100)
    fns: dict[str, Callable[[int], object]] = {"engine": run.step}
    torch_run = torch_stepper(problem, theta0)
    if torch_run is not None:
        torch_run(100)
        fns["torch"] = torch_run
    best = interleaved(fns, STEPS)
    report("engine steps/s ([2, 8, 8, 1] tanh, BCE, 500 points, full batch)", 1 / best["engine"], "steps/s")
    th = run.theta.copy()
    t_lg = best_of(lambda: [problem.loss_grad(th) for _ in range(1000)], repeats=5) / 1000
    report("  of which J and ∇J (loss_grad, one racer)", t_lg * 1e6, "µs")
    if torch_run is None:
        print("PyTorch is not installed: skipping the comparison")
    else:
        report("PyTorch eager CPU steps/s (same network, float64)", 1 / best["torch"], "steps/s")
        report("engine / PyTorch", best["torch"] / best["engine"], "×", "≥ 3×")
    mb = build_run({**SPEC, "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 10}})
    report("engine mini-batch (10) steps/s", 1 / interleaved({"mb": mb.step}, STEPS, rounds=5)["mb"], "steps/s")
    t_grid = best_of(lambda: problem.predict_grid(th[0], None, 100), repeats=20)
    report("predict_grid 100 × 100", t_grid * 1e3, "ms", "< 10 ms")
    t_hidden = best_of(lambda: problem.hidden_grids(th[0], None, 32), repeats=20)
    report("hidden_grids 32 × 32 (16 thumbnails)", t_hidden * 1e3, "ms")
    thetas = th[0] + 0.1 * np.random.default_rng(0).standard_normal((51 * 51, problem.dim))
    t_slice = best_of(lambda: problem.loss(thetas), repeats=3)
    report("J at 51 × 51 parameter vectors (a landscape slice)", t_slice * 1e3, "ms", "< 200 ms")


if __name__ == "__main__":
    main()
