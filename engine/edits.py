"""A network's weights edited by hand (TensorFlow Playground's click on an edge): one weight or bias set live.

An edit is a live change like a `set`: it applies at once, the next step starts from the edited θ, and it is
logged in the run's event log with its clock, so a replay (engine/build.py), an export and a fork reproduce it
bit for bit. W[i][j] is the weight from unit i of the layer below to unit j above, as GET /network gives it;
i = None is the bias b[j] (the weight from the lecture's +1 node).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from engine.racers import peek_batches, racer_index, uses_batches
from engine.settings import SettingsError

if TYPE_CHECKING:
    from engine.run import Run

WEIGHT_MAX = 1e4  # |value| of an edited weight at most (the app's schema publishes this bound)


def weight_index(run: Run, layer: int, i: int | None, j: int) -> int:
    """The position in θ of W[i][j] of `layer` (0 = the first layer of weights), or of b[j] when i is None."""
    mlp = getattr(run.problem, "mlp", None)
    if mlp is None:
        raise SettingsError("layer", "only a network's weights can be edited (this run's problem has no layers)")
    layers = len(mlp.dense)
    if not 0 <= layer < layers:
        raise SettingsError("layer", f"must be between 0 and {layers - 1} (this network has {layers} "
                                     f"layer{'s' if layers > 1 else ''} of weights), got {layer}")
    dense = mlp.dense[layer]
    if i is not None and not 0 <= i < dense.n_in:
        raise SettingsError("i", f"must be between 0 and {dense.n_in - 1} (layer {layer} has {dense.n_in} "
                                 f"input{'s' if dense.n_in > 1 else ''}), or null for the bias; got {i}")
    if not 0 <= j < dense.n_out:
        raise SettingsError("j", f"must be between 0 and {dense.n_out - 1} (layer {layer} has {dense.n_out} "
                                 f"unit{'s' if dense.n_out > 1 else ''}), got {j}")
    row = dense.n_in if i is None else i  # the bias is the last row of the layer's [W; b] block
    return mlp.slices[layer].start + row * dense.n_out + j


def apply_weight(run: Run, racer: int, layer: int, i: int | None, j: int, value: float) -> None:
    """Set one weight of racer `racer` without logging it (a replay applies logged edits with this)."""
    racer_index(run.racers, racer)
    k = weight_index(run, layer, i, j)
    if not (isinstance(value, int | float) and math.isfinite(value) and abs(value) <= WEIGHT_MAX):
        raise SettingsError("value", f"must be a finite number between {-WEIGHT_MAX:g} and {WEIGHT_MAX:g}, got {value}")
    run.theta[racer, k] = float(value)
    r = run.racers[racer]
    _reevaluate(run, racer)
    r.extra.pop("metrics_key", None)  # its train/test figures are those of the new weights
    if r.status in ("converged", "stopped"):  # a test that held may not hold now: the racer can go on
        r.status, r.stop_reason = ("paused" if r.t else "ready"), None
        run.apply_stop_tests(racer)
    run.update_active()


def _reevaluate(run: Run, racer: int) -> None:
    """J and ∇J of the racer at its edited θ, as the run records them after a step (Run._evaluate_at): the full
    ones, or, where every racer steps on mini-batches of costly data, the next batch's (computed ahead, so the
    next step uses it). A batch gradient computed ahead at the old θ is dropped either way."""
    r = run.racers[racer]
    r.ahead = None
    theta = run.theta[racer : racer + 1]
    n = run.problem.n_train
    batch = None
    if not run.problem.cheap_full_eval and all(uses_batches(x, n) for x in run.racers):
        batch = peek_batches(r, n)[0]
    loss, grad = run.problem.loss_grad(theta, batch) if batch is not None else run._evaluate(theta)
    if batch is not None:
        r.ahead = (batch, loss, grad)
    run.loss[racer], run.grad[racer] = loss[0], grad[0]


def set_weight(run: Run, layer: int, i: int | None, j: int, value: float, racer: int = 0) -> None:
    """Set one weight (or bias) of racer `racer` live, and log it for replays."""
    apply_weight(run, racer, layer, i, j, value)
    run._log("weight", racer=racer, layer=layer, i=i, j=j, value=float(value))


def apply_weight_event(run: Run, ev: dict[str, Any]) -> None:
    """Make a logged weight edit again, logging it again (engine/build.py's replay)."""
    i = ev.get("i")
    set_weight(run, int(ev.get("layer") or 0), None if i is None else int(i), int(ev.get("j") or 0),
               float(ev.get("value", math.nan)), racer=int(ev.get("racer") or 0))
