"""One step round of a run, the NumPy reference: every active racer takes one update, together.

The round gets each racer's gradient (engine/batches.py), updates every optimiser group at once
(engine/groups.py), evaluates J and ∇J at the new θ, records each racer's step in its history and, when a quick
look says a racer may have finished, asks engine/stopping.py. engine/fastpath.py takes many rounds of a
one-racer run inside one compiled call and must agree with this one to rounding (tests/engine/test_kernels.py).
It works on the run's own stacked arrays (θ, J, ∇J: one row per racer), as a part of engine/run.py's Run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.batches import evaluate_after, step_gradients
from engine.groups import step_groups
from engine.stopping import Reason, diverged

Run = Any  # engine.run.Run, which imports this module (a type import back would be a circle)


def step_round(run: Run) -> int:
    """One update of every active racer of `run`; returns how many racers stepped."""
    run.clock += 1
    active, all_active, racers, theta = run._active, run._all_active, run.racers, run.theta
    g, batch_loss, sizes = step_gradients(run.problem, racers, theta, run.grad, active, run._minibatch)
    n_train = run.problem.n_train
    new_theta, records = step_groups(run._groups, racers, theta, g, active, all_active)
    loss, grad = evaluate_after(run.problem, racers, new_theta, batch_loss)
    # One pass to Python floats: the per-racer bookkeeping below is cheaper on floats than
    # on many tiny numpy operations (it is the hot loop of every run).
    L = loss.tolist()
    if run.problem.dim <= 16:
        T = new_theta.tolist()
        GN = [math.sqrt(sum(v * v for v in row)) for row in grad.tolist()]
        S = [sum(row) for row in T]
    else:
        T = new_theta
        GN = np.sqrt(np.einsum("kd,kd->k", grad, grad)).tolist()
        S = new_theta.sum(axis=1).tolist()
    eps, delta, max_steps = run.stop["grad_norm"], run.stop["delta_loss"], run.stop["max_steps"]
    guess = records.get("guess")
    prev = run.loss.tolist()
    kept, changed, taken = all_active, False, 0
    for i, r in enumerate(racers):
        if not active[i]:
            continue
        taken += 1
        r.t += 1
        if n_train is not None:  # a full-batch update (and a guess, J over all of them) uses every example
            r.examples += sizes.get(i, n_train)
        if r.status == "ready":
            r.status = "paused"
        li, gi = L[i], GN[i]
        if not (math.isfinite(li) and math.isfinite(gi) and math.isfinite(S[i])):
            _diverged(run, i, li, gi, S[i])
            kept, changed = False, True
            continue
        r.history.append(r.t, li, gi, r.lr_used, T[i],
                         None if guess is None else guess[i],
                         None if guess is None else float(records["guess_loss"][i]), r.examples)
        # A quick look first (this loop is hot): engine/stopping.py decides.
        if (abs(li) > run._blowup[i] or (eps is not None and gi <= eps)
                or (delta is not None and abs(li - prev[i]) <= delta)
                or (max_steps is not None and r.t >= max_steps)):
            changed = True
    if kept:
        run.prev_loss, run.theta, run.loss, run.grad = run.loss, new_theta, loss, grad
    else:  # a racer diverged: it keeps its last finite θ, J and ∇J
        keep = np.array([active[i] and r.status != "diverged" for i, r in enumerate(racers)])
        run.prev_loss = np.where(keep, run.loss, run.prev_loss)
        run.theta = np.where(keep[:, None], new_theta, theta)
        run.loss = np.where(keep, loss, run.loss)
        run.grad = np.where(keep[:, None], grad, run.grad)
    if changed:
        for i, r in enumerate(racers):
            if active[i] and r.status != "diverged" and not _diverged(run, i, L[i], GN[i], S[i]):
                run.apply_stop_tests(i)
        run.update_active()
    t = racers[0].t if len(racers) == 1 else max(r.t for r in racers)
    if t % run._stride == 0:
        run._snapshot(t)
    return taken


def _diverged(run: Run, i: int, loss: float, gn: float, theta_sum: float) -> Reason | None:
    """Racer i diverges if J, ‖∇J‖ or θ is non-finite or |J| grew past its bound (the reason, else None)."""
    r = run.racers[i]
    reason = diverged(r.t, loss, gn, theta_sum, float(run.loss0[i]), r.lr_used, r.spec["name"],
                      run.problem.max_stable_lr())
    if reason is not None:
        r.status, r.stop_reason = "diverged", reason
    return reason
