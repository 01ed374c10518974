"""What one step round evaluates: the gradient each racer steps on, and the J and ∇J recorded at the new θ.

A racer on the full batch steps on the run's ∇J(θₜ), already known. A racer on mini-batches (engine/racers.py
draws them) steps on its batch's gradient. After the update the run records J and ∇J at θₜ₊₁ over the whole
training set, unless every racer steps on mini-batches of a problem whose full J is costly (a network of more
than 1,000 training examples): then J is each racer's batch J and ∇J the next batch's gradient at θₜ₊₁,
computed ahead so that the next step uses it and nothing is computed twice. Either way ‖∇J‖ is taken at the
racer's current θ.
"""

from __future__ import annotations

import numpy as np

from engine.problems import Problem
from engine.racers import Racer, next_batch, peek_batches


def step_gradients(problem: Problem, racers: list[Racer], theta: np.ndarray, grad: np.ndarray, active: list[bool],
                   minibatch: bool) -> tuple[np.ndarray, dict[int, float], dict[int, int]]:
    """The gradient (K, d) each racer steps on from θ (its next mini-batch's where it has one; `grad` is the
    full ∇J(θ)), and those batches' J and sizes by racer (the examples each batch step uses: the last batch of
    an epoch may be short, and k may change mid-run). Draws the batches of active racers."""
    batch_loss: dict[int, float] = {}
    sizes: dict[int, int] = {}
    if not minibatch:
        return grad, batch_loss, sizes
    g = grad.copy()
    n = problem.n_train
    for i, r in enumerate(racers):
        idx = next_batch(r, n) if active[i] else None
        ahead, r.ahead = r.ahead, None
        if idx is None:
            continue
        if ahead is not None and np.array_equal(ahead[0], idx):  # computed at this θ by the last step
            bl, bg = ahead[1], ahead[2]
        else:
            bl, bg = problem.loss_grad(theta[i : i + 1], idx)
        g[i] = bg[0]
        batch_loss[i] = float(bl[0])
        sizes[i] = len(idx)
    return g, batch_loss, sizes


def evaluate_after(problem: Problem, racers: list[Racer], theta: np.ndarray,
                   batch_loss: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """J (K,) and ∇J (K, d) to record at the new θ (see the module's docstring for which)."""
    if not batch_loss:
        return problem.loss_grad(theta)
    if problem.cheap_full_eval or len(batch_loss) < len(racers):
        loss, grad = problem.loss_grad(theta)
        for i, value in ([] if problem.cheap_full_eval else batch_loss.items()):
            loss[i] = value
        return loss, grad
    loss = np.array([batch_loss[i] for i in range(len(racers))], dtype=np.float64)
    grad = np.empty_like(theta)
    for i, r in enumerate(racers):
        idx = peek_batches(r, problem.n_train)[0]
        assert idx is not None
        bl, bg = problem.loss_grad(theta[i : i + 1], idx)
        r.ahead = (idx, bl, bg)
        grad[i] = bg[0]
    return loss, grad
