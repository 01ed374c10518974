"""One update, step by step: the next step of a racer, computed on copies, in numbers and in words.

`explain_step(run, racer)` reproduces exactly what `run.step(1)` would do to that racer (same gradient,
same learning rate after the schedule, the optimiser's own step function on copies of its state, the same
mini-batch drawn from a copy of the racer's generator) and leaves the run untouched. The gradient shown is
the one the update uses: the full-batch ∇J(θₜ) the run already holds, or, for a mini-batch racer, the
gradient over the batch it would draw next (the full gradient is reported beside it). J(θₜ₊₁) and
‖∇J(θₜ₊₁)‖ are over all training examples; the stopping tests are applied to the values the run itself
would record (for mini-batch steps on more than 1,000 examples, the run records the batch's J).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from engine.optimizers import OPTIMIZERS, Context, stack_settings
from engine.run import Run
from engine.schedules import scheduled_lr
from engine.stopping import check_stop, diverged, fmt

FULL_DIM = 16  # problems with at most this many parameters show every entry; larger ones show norms and a few
SHOWN = 6  # entries shown of a larger vector


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None


class _Vectors:
    """JSON and words for parameter-sized vectors: every entry for small problems, norm and the first few else."""

    def __init__(self, dim: int, full: bool):
        self.shown = dim if (full or dim <= FULL_DIM) else SHOWN
        self.dim = dim

    def json(self, v: np.ndarray) -> dict[str, Any]:
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        return {"values": [_num(x) for x in v[: self.shown].tolist()], "norm": _num(float(np.linalg.norm(v)))}

    def words(self, v: np.ndarray) -> str:
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        if self.dim <= 4:
            return "(" + ", ".join(fmt(x) for x in v.tolist()) + ")"
        head = ", ".join(fmt(x) for x in v[:3].tolist())
        return f"a vector of length {fmt(float(np.linalg.norm(v)))} (first entries {head}, …)"


def _state_json(state: dict[str, np.ndarray], vec: _Vectors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in state.items():
        if k == "step":
            out[k] = int(v.reshape(-1)[0])
        elif k == "best_loss":
            out[k] = _num(float(v.reshape(-1)[0]))
        else:
            out[k] = vec.json(v)
    return out


def update_formula(spec: dict[str, Any]) -> str:
    """This racer's own update in the lecture's symbols: θ ← θ − γ∇J(θ) for plain gradient descent, and only the
    terms its settings use for the others (momentum, Nesterov, weight decay, bias correction, AMSGrad...)."""
    name = spec["name"]
    b = spec.get("batch_size")
    grad = "∇J(θ)" if b is None else "∇J_i(θ)" if b == 1 else "∇J_B(θ)"  # J_i: one example's; J_B: a batch's
    where = "" if b is None else ", i one example" if b == 1 else f", B a mini-batch of {b} examples"
    wd = float(spec.get("weight_decay") or 0.0)
    g = f"g = {grad} + λθ;  " if wd and name != "adamw" else ""
    gsym = "g" if g else grad
    if name == "random_search":
        return "θ̃ ~ Uniform[low, high];  if J(θ̃) < J(θ): θ ← θ̃"
    if name == "gd":
        mu = float(spec.get("momentum") or 0.0)
        if not mu:
            return f"{g}θ ← θ − γ{gsym}{where}"
        damp = "(1 − τ)·" if spec.get("dampening") else ""
        step = f"({gsym} + μ·b)" if spec.get("nesterov") else "b"
        return f"{g}b ← μ·b + {damp}{gsym} (b = {gsym} at the first step);  θ ← θ − γ·{step}{where}"
    if name in ("adam", "adamw"):
        pre = "θ ← θ − γλθ;  " if name == "adamw" and wd else g
        hat = spec.get("bias_correction", True)
        m, v = ("m̂", "v̂") if hat else ("m", "v")
        out = f"{pre}m ← β1·m + (1 − β1)·{gsym};  v ← β2·v + (1 − β2)·{gsym}²;  "
        if spec.get("amsgrad"):
            out += "v_max ← max(v_max, v);  "
            v_use = "v_max"
        else:
            v_use = "v"
        if hat:
            out += f"m̂ = m/(1 − β1ᵗ), v̂ = {v_use}/(1 − β2ᵗ);  "
        elif v_use == "v_max":
            v = "v_max"
        return out + f"θ ← θ − γ·{m}/(√{v} + ε){where}"
    if name == "rmsprop":
        out = f"{g}v ← α·v + (1 − α)·{gsym}²;  "
        den = "√v + ε"
        if spec.get("centered"):
            out += f"ḡ ← α·ḡ + (1 − α)·{gsym};  "
            den = "√(v − ḡ²) + ε"
        if spec.get("momentum"):
            return out + f"b ← μ·b + {gsym}/({den});  θ ← θ − γ·b{where}"
        return out + f"θ ← θ − γ·{gsym}/({den}){where}"
    if name == "adagrad":
        lr = "γ/(1 + (t − 1)η)" if spec.get("lr_decay") else "γ"
        return f"{g}G ← G + {gsym}²;  θ ← θ − {lr}·{gsym}/(√G + ε){where}"
    return str(OPTIMIZERS[name].formula)


def _uses_batch(run: Run, r: Any) -> bool:
    b, n = r.spec.get("batch_size"), run.problem.n_train
    return b is not None and n is not None and b < n


def explain_step(run: Run, racer: int = 0, full: bool = False) -> dict[str, Any]:
    """The next update of racer `racer` in numbers and sentences, without changing the run (JSON types)."""
    r = run.racer(racer)
    problem = run.problem
    opt = OPTIMIZERS[r.spec["name"]]
    vec = _Vectors(problem.dim, full)
    theta = run.theta[racer].copy()
    J = float(run.loss[racer])
    g_full = run.grad[racer].copy()
    out: dict[str, Any] = {
        "racer": racer, "label": r.spec["label"], "optimizer": opt.name, "title": opt.title,
        "formula": update_formula(r.spec), "formula_general": opt.formula,
        "t": r.t, "active": r.active, "status": r.status, "dim": problem.dim, "shown": vec.shown,
        "param_names": list(problem.param_names[: vec.shown]),
        "theta": vec.json(theta), "loss": _num(J), "full_grad": vec.json(g_full),
    }
    if not r.active:
        why = r.stop_reason["message"] if r.stop_reason else r.status
        out["sentences"] = [f"This racer has finished ({why}): run.step leaves it where it is, at J = {fmt(J)}."]
        return out

    batch = run.peek_batch(racer)  # the mini-batch the run would draw next, drawn from a copy
    with np.errstate(all="ignore"):
        batch_loss = None
        g = g_full
        if batch is not None:
            bl, bg = problem.loss_grad(theta[None], batch)
            batch_loss, g = float(bl[0]), bg[0]
        lr = scheduled_lr(r.spec["lr"], r.t, r.spec["schedule"]) if "lr" in r.spec else None
        s = stack_settings(opt, [r.spec], problem.dim)
        if lr is not None:
            s["lr"] = np.array([[lr]])
        before = run.racer_states()[racer]
        ctx = Context(loss_fn=problem.loss, rngs=[copy.deepcopy(r.rng)])  # random search draws from a copy
        th_new, after = opt.step(theta[None].copy(), g[None].copy(), {k: v.copy() for k, v in before.items()}, s, ctx)
        th_new = th_new[0]
        J_new_a, g_new_a = problem.loss_grad(th_new[None])
        J_new, g_new = float(J_new_a[0]), g_new_a[0]
    # What the run records after the step (its stopping tests read these).
    rec_loss, rec_grad = J_new, g_new
    if batch is not None and batch_loss is not None and not problem.cheap_full_eval:
        rec_loss = batch_loss
        if all(q.active and _uses_batch(run, q) for q in run.racers):  # J and ∇J of the batches (engine/run.py)
            after_next = run.peek_batch(racer, 2)
            with np.errstate(all="ignore"):
                rec_grad = problem.loss_grad(th_new[None], after_next)[1][0]
    stop = _stop_test(run, racer, lr, rec_loss, float(np.linalg.norm(rec_grad)), th_new)
    step = th_new - theta
    out.update({
        "gradient": {"source": "full" if batch is None else "mini-batch", "n_train": problem.n_train,
                     "batch": None if batch is None else batch.tolist(),
                     "batch_size": None if batch is None else int(len(batch)),
                     "batch_loss": None if batch_loss is None else _num(batch_loss)},
        "grad": vec.json(g),
        "lr": lr, "base_lr": r.spec.get("lr"), "schedule": r.spec["schedule"]["name"],
        "lr_grad": None if lr is None else vec.json(lr * g),
        "state_before": _state_json(before, vec), "state_after": _state_json(after, vec),
        "state_arrows": list(opt.state_arrows),
        "step": vec.json(step), "theta_next": vec.json(th_new),
        "loss_next": _num(J_new), "grad_norm_next": _num(float(np.linalg.norm(g_new))),
        "loss_change": _num(J_new - J),
        "recorded": {"loss": _num(rec_loss), "grad_norm": _num(float(np.linalg.norm(rec_grad)))},
        "stop": stop,
    })
    if "guess" in ctx.record:
        out["guess"] = vec.json(ctx.record["guess"][0])
        out["guess_loss"] = _num(float(ctx.record["guess_loss"][0]))
    out["sentences"] = _sentences(run, racer, out, theta, g, g_full, lr, step, th_new, before, after, ctx, J, J_new,
                                  g_new, batch)
    return out


def _stop_test(run: Run, racer: int, lr: float | None, loss: float, grad_norm: float, theta: np.ndarray
               ) -> dict[str, Any]:
    """The test that would end the racer after this update, in the run's order; test None when none fires."""
    r = run.racers[racer]
    t = r.t + 1
    name = r.spec["name"]
    reason = diverged(t, loss, grad_norm, float(theta.sum()), float(run.loss0[racer]), lr, name,
                      run.problem.max_stable_lr()) or check_stop(
        run.stop, t, loss, float(run.loss[racer]), grad_norm, OPTIMIZERS[name].uses_gradient)
    return reason or {"test": None, "t": t, "message": "no stopping test fires"}


def _sentences(run: Run, racer: int, out: dict[str, Any], theta: np.ndarray, g: np.ndarray, g_full: np.ndarray,
               lr: float | None, step: np.ndarray, th_new: np.ndarray, before: dict[str, np.ndarray],
               after: dict[str, np.ndarray], ctx: Context, J: float, J_new: float, g_new: np.ndarray,
               batch: np.ndarray | None) -> list[str]:
    """The update in words, one short sentence per stage."""
    r = run.racers[racer]
    spec, name = r.spec, r.spec["name"]
    vec = _Vectors(run.problem.dim, False)
    w = vec.words
    n = run.problem.n_train
    t = r.t
    say = [f"At t = {t}, θ = {w(theta)} and J(θ) = {fmt(J)}."]
    if name != "random_search":
        length = f", of length {fmt(float(np.linalg.norm(g)))}" if vec.dim <= 4 else ""
        if batch is None:
            over = f" over all {n} training examples" if n is not None else ""
            say.append(f"The gradient{over} is ∇J(θ) = {w(g)}{length}.")
        else:
            first = ", ".join(str(i) for i in batch[:5].tolist()) + (", …" if len(batch) > 5 else "")
            say.append(f"This update uses a mini-batch of {len(batch)} of the {n} examples ({first}): its gradient is "
                       f"{w(g)}{length}; the full gradient's length is {fmt(float(np.linalg.norm(g_full)))}.")
    if lr is not None:
        sched = spec["schedule"]["name"]
        tail = f" (the {sched} schedule after {t} updates, from γ = {fmt(spec['lr'])})" if sched != "constant" else ""
        say.append(f"The learning rate is γ = {fmt(lr)}{tail}.")
        msl = run.problem.max_stable_lr()
        if msl is not None and name == "gd" and not spec.get("momentum") and lr > msl:
            say.append(f"γ is above 2/λmax = {fmt(msl)}: along the steepest direction each step overshoots the "
                       "minimum by more than it started from, so J grows step after step.")
    wd = float(spec.get("weight_decay") or 0.0)
    if wd and name != "adamw":
        say.append(f"Weight decay adds λθ = {w(wd * theta)} to the gradient.")
    if name == "gd" and not spec.get("momentum"):
        say.append(f"θ moves against the gradient by γ·∇J = {w(-step)}: θₜ₊₁ = θₜ − γ·∇J = {w(th_new)}.")
    elif name == "gd":
        b = after["momentum_buffer"][0]
        first = " (on the first momentum update b = g)" if int(before["step"].reshape(-1)[0]) == 0 else ""
        how = "γ·(g + μ·b)" if spec.get("nesterov") else "γ·b"
        mu = fmt(spec["momentum"])
        say.append(f"The momentum buffer becomes b = μ·b + (1 − τ)·g = {w(b)}{first}, with μ = {mu}.")
        say.append(f"θ moves by −{how} = {w(step)}: θₜ₊₁ = {w(th_new)}.")
    elif name in ("adam", "adamw"):
        b1, b2 = spec["betas"]
        k = int(after["step"].reshape(-1)[0])
        say.append(f"The first moment becomes m = β1·m + (1 − β1)·g = {w(after['exp_avg'][0])} and the second "
                   f"v = β2·v + (1 − β2)·g² = {w(after['exp_avg_sq'][0])} (β1 = {fmt(b1)}, β2 = {fmt(b2)}).")
        if spec.get("bias_correction", True):
            say.append(f"Bias correction divides them by 1 − β1^{k} and 1 − β2^{k}.")
        if name == "adamw" and wd:
            say.append(f"Decoupled weight decay first shrinks θ by γλθ = {w((lr or 0.0) * wd * theta)}.")
        say.append(f"θ moves by −γ·m̂/(√v̂ + ε) = {w(step)}: θₜ₊₁ = {w(th_new)}.")
    elif name == "rmsprop":
        say.append(f"The running average of g² becomes v = α·v + (1 − α)·g² = {w(after['square_avg'][0])}.")
        say.append(f"θ moves by {w(step)}, each coordinate's step divided by √v: θₜ₊₁ = {w(th_new)}.")
    elif name == "adagrad":
        say.append(f"The sum of squared gradients becomes G = G + g² = {w(after['sum'][0])}.")
        say.append(f"θ moves by −γ·g/(√G + ε) = {w(step)}: θₜ₊₁ = {w(th_new)}.")
    elif name == "random_search":
        guess, gl = ctx.record["guess"][0], float(ctx.record["guess_loss"][0])
        best = float(before["best_loss"].reshape(-1)[0])
        better = math.isfinite(gl) and gl < best
        say.append(f"A random guess θ̃ = {w(guess)} has J(θ̃) = {fmt(gl)}, "
                   + (f"better than the best so far ({fmt(best)}): θ jumps there."
                      if better else f"no better than the best so far ({fmt(best)}): θ stays."))
    else:
        say.append(f"The update {OPTIMIZERS[name].formula} moves θ by {w(step)} to {w(th_new)}.")
    say.append(f"J goes from {fmt(J)} to {fmt(J_new)} (ΔJ = {fmt(J_new - J)}), and ‖∇J‖ becomes "
               f"{fmt(float(np.linalg.norm(g_new)))}.")
    stop = out["stop"]
    if stop["test"] is not None:
        say.append(f"Then the run stops this racer: {stop['message']}.")
    else:
        parts = []
        eps, delta, max_steps = run.stop["grad_norm"], run.stop["delta_loss"], run.stop["max_steps"]
        rec = out["recorded"]
        if eps is not None and OPTIMIZERS[name].uses_gradient:
            parts.append(f"‖∇J‖ = {fmt(rec['grad_norm'] or 0.0)} > ε = {fmt(eps)}")
        if delta is not None and OPTIMIZERS[name].uses_gradient:
            parts.append(f"|ΔJ| = {fmt(abs((rec['loss'] or 0.0) - J))} > δ = {fmt(delta)}")
        if max_steps is not None:
            parts.append(f"t = {t + 1} < max_steps = {max_steps}")
        say.append("No stopping test fires" + (": " + "; ".join(parts) if parts else "") + ".")
    return say
