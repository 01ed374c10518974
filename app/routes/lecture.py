"""Inside the lecture: the backprop table, cross-entropy vs quadratic cost, loss-landscape slices, one update
explained, and the lessons.

Each view is computed by the engine in a worker thread. The long ones (backprop table, slices, the line, the loss
comparison) hold the run's lock only to copy what they read (the racer's weights, its step, the trajectory's
list), then compute from that copy with the lock released: the run keeps playing meanwhile. `explain` reads the
optimiser's state and the next mini-batch, so it holds the lock (app/compute.py); it is quick. The bounds below
keep every view to about a second at most. A view's cost grows
with grid points × training examples × parameters; past `MAX_WORK` multiply-adds the grid size (or the number
of steps) is refused with a 422 that names it and says the largest allowed for this run.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from app.compute import json_bytes, json_off_loop, network_of
from app.deps import EntryDep
from app.errors import RequestError
from app.schemas import error_responses
from app.schemas_network import BackpropTable, Explanation, Lesson, LossCompare, LossLine, LossSlice
from engine import lessons
from engine.backprop import backprop_table
from engine.explain import explain_step
from engine.loss_compare import MAX_N as COMPARE_MAX_N
from engine.loss_compare import MAX_STEPS as COMPARE_MAX_STEPS
from engine.loss_compare import default_problem, loss_compare
from engine.network import NetworkProblem
from engine.run import Run
from engine.slices import MAX_N as SLICE_MAX_N
from engine.slices import run_line, run_slice

router = APIRouter(prefix="/api", tags=["lecture"], responses=error_responses(401))
RUN_ERRORS = error_responses(404, 409)
MAX_WORK = 1e9  # multiply-adds of one view (grid points × training examples × parameters): about a second
FD_PARAMS = 40_000  # above this many parameters the backprop table skips finite differences unless asked (the
# largest network allowed has 33,930: its table with every difference takes ~0.2 s, bench/bench_backprop.py)
MAX_LINE_N = 1001
Racer = Annotated[int, Query(ge=0, description="whose weights (0: the first racer)")]
Positive = Annotated[float, Query(gt=0, le=1000, allow_inf_nan=False)]


def limit_work(name: str, value: int, low: int, units: Callable[[int], int], cost: float) -> None:
    """422 naming `name` when `units(value)` evaluations of J, `cost` multiply-adds each, pass MAX_WORK; the
    message gives the largest value that fits (`low` always does)."""
    best = value
    while best > low and units(best) * cost > MAX_WORK:
        best -= 1
    if best < value:
        raise RequestError(("query", name), f"{value} is too much work for this run ({cost:,.0f} multiply-adds per "
                                            f"evaluation of J over its training set); at most {best} here")


def _cost(problem: NetworkProblem) -> float:
    """Multiply-adds of one evaluation of J over the training set (≈ examples × weights)."""
    return float(max(1, problem.data.train.n * problem.mlp.counts()["weights"]))


def thinned(run: Run, keep: int = 1 << 30) -> Any:
    """A copy of the run as run_slice and run_line read it (problem, start, θ, each racer's t, the trajectory),
    taken under the run's lock so the view can be computed without it; the trajectory thinned to `keep` snapshots
    (the engine evaluates J at each: up to 400 of them, more than a big network's budget), first and last kept."""
    traj = list(run.trajectory)  # its entries are copies already, never changed in place
    if len(traj) > keep:
        idx = sorted({round(k * (len(traj) - 1) / max(1, keep - 1)) for k in range(keep)})
        traj = [traj[i] for i in idx]
    return SimpleNamespace(problem=run.problem, start=run.start.copy(), theta=run.theta.copy(),
                           racers=[SimpleNamespace(t=r.t) for r in run.racers], trajectory=traj)


async def off_lock(entry: EntryDep, take: Callable[[], Any], compute: Callable[[Any], Any]) -> Response:
    """compute(take()) as JSON: `take` copies what the view reads under the run's lock, `compute` runs (and is
    encoded) in a worker thread after the lock is released, so a long view never stalls the run's steps."""
    async with entry.player.lock:
        snap = take()
    body = await run_in_threadpool(json_bytes, lambda: compute(snap))
    return Response(body, media_type="application/json")


# ----- backpropagation -----------------------------------------------------------------------------------
@router.get("/runs/{run_id}/backprop", response_model=BackpropTable, responses=RUN_ERRORS,
            summary="The backpropagation table of one training example")
async def backprop(
    entry: EntryDep, racer: Racer = 0,
    example: Annotated[int, Query(ge=0, description="training example (0 to n_train − 1)")] = 0,
    fd: Annotated[bool | None, Query(description=f"finite-difference check of every gradient (default: on up to "
                                                 f"{FD_PARAMS:,} parameters, off above)")] = None,
) -> Response:
    """Forward (x, a, z, b, y, J) and backward (g_y, g_b, g_β, g_z, g_a, g_α, g_x) at the racer's current weights,
    stage by stage, each gradient beside its central difference and relative error (when fd is on)."""
    problem = network_of(entry, "the backprop table")
    entry.run.racer(racer)  # 422 naming the racer when the run has none
    n_train = problem.data.train.n
    if example >= n_train:
        raise RequestError(("query", "example"), f"training examples are numbered 0 to {n_train - 1}")
    use_fd = problem.dim <= FD_PARAMS if fd is None else fd
    return await off_lock(entry, lambda: entry.run.theta[racer].copy(),
                          lambda theta: backprop_table(problem, theta, example, use_fd))


# ----- cross-entropy vs quadratic -------------------------------------------------------------------------
CompareN = Annotated[int, Query(ge=2, le=COMPARE_MAX_N, description="grid points per side")]
CompareSteps = Annotated[int, Query(ge=0, le=COMPARE_MAX_STEPS, description="gradient-descent steps per path")]
Weight = Annotated[int, Query(ge=0, description="which weight of the layer (row-major index into its W)")]


def _check_compare(problem: NetworkProblem, n: int, steps: int) -> None:
    if len(problem.mlp.sizes) != 3:
        raise RequestError((), f"the loss comparison needs a network with exactly one hidden layer; this one has "
                               f"{len(problem.mlp.sizes) - 2}", status_code=409)
    if problem.head.name not in ("sigmoid", "softmax"):
        raise RequestError((), "the loss comparison needs probabilities: a sigmoid or softmax head, not "
                               f"{problem.head.name}", status_code=409)
    cost = _cost(problem)
    limit_work("n", n, 2, lambda v: v * v, cost)
    limit_work("steps", steps, 0, lambda v: 6 * (v + 1), cost)  # two paths, each a forward and a backward pass


@router.get("/runs/{run_id}/loss-compare", response_model=LossCompare, responses=RUN_ERRORS,
            summary="Cross-entropy vs quadratic cost over two weights of the run's network")
async def run_loss_compare(
    entry: EntryDep, racer: Racer = 0, w1: Weight = 0, w2: Weight = 0, n: CompareN = 41,
    span: Annotated[float, Positive, Query(description="half-width of the grid around the weights' values")] = 8.0,
    steps: CompareSteps = 200,
    lr: Annotated[float, Positive, Query(description="learning rate of both descent paths")] = 1.0,
) -> Response:
    """Both costs over (W1, W2) ± span around the racer's weights (W1 of the first layer, W2 of the output layer,
    all other weights held), and a descent path on each from the same start (network runs with one hidden layer
    and a sigmoid or softmax head)."""
    problem = network_of(entry, "the loss comparison")
    entry.run.racer(racer)  # 422 naming the racer when the run has none
    _check_compare(problem, n, steps)
    return await off_lock(entry, lambda: entry.run.theta[racer].copy(),
                          lambda theta: loss_compare(problem, theta, w1, w2, n, span, steps, lr))


@router.get("/loss-compare", response_model=LossCompare, summary="Cross-entropy vs quadratic cost (the lecture's "
                                                                  "small network)")
async def default_loss_compare(
    w1: Weight = 0, w2: Weight = 0, n: CompareN = 41,
    span: Annotated[float, Positive, Query(description="half-width of the grid around the weights' values")] = 8.0,
    steps: CompareSteps = 200,
    lr: Annotated[float, Positive, Query(description="learning rate of both descent paths")] = 1.0,
) -> Response:
    """The same for the figure's default network: [2, 2, 1], sigmoid units, 40 linearly separable points."""
    return await json_off_loop(lambda: loss_compare(default_problem(), None, w1, w2, n, span, steps, lr))


# ----- loss landscapes -------------------------------------------------------------------------------------
@router.get("/runs/{run_id}/slice", response_model=LossSlice, responses=RUN_ERRORS,
            summary="The loss over a 2-D slice through the weights")
async def loss_slice(
    entry: EntryDep, racer: Racer = 0,
    directions: Annotated[Literal["random", "filter", "pca"], Query(
        description="random, filter-normalised (Li et al., 2018) or the trajectory's top two principal directions"
    )] = "filter",
    n: Annotated[int, Query(ge=2, le=SLICE_MAX_N, description="grid points per side")] = 51,
    span: Annotated[float | None, Query(gt=0, le=1000, allow_inf_nan=False, description=(
        "α and β run from −span to span (default 1; pca: 1.25 × the trajectory's reach)"))] = None,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="seed of random and filter directions")] = 0,
    biases: Annotated[Literal["zero", "filter"], Query(description="filter directions: biases zeroed or "
                                                                   "rescaled with their unit")] = "zero",
) -> Response:
    """loss[j][i] = J(θ + alpha[i]·d1 + beta[j]·d2) through the racer's current θ (its centre is J(θ)), with the
    trajectory projected onto the slice (network runs)."""
    problem = network_of(entry, "a loss slice")
    cost = _cost(problem)
    limit_work("n", n, 2, lambda v: v * v, cost)
    keep = max(2, int(MAX_WORK / cost) - n * n)  # trajectory snapshots that fit in what the grid leaves
    return await off_lock(entry, lambda: thinned(entry.run, keep),
                          lambda snap: run_slice(snap, racer, directions, n, span, seed, biases))


@router.get("/runs/{run_id}/line", response_model=LossLine, responses=RUN_ERRORS,
            summary="The loss along the line from the initial to the current weights")
async def loss_line(
    entry: EntryDep, racer: Racer = 0,
    n: Annotated[int, Query(ge=2, le=MAX_LINE_N, description="points from α = −0.5 to 1.5 (α = 0, 1 always)")] = 101,
) -> Response:
    """loss[k] = J((1 − alpha[k])·θ₀ + alpha[k]·θ), θ₀ the run's start and θ the racer's weights (network runs)."""
    problem = network_of(entry, "the loss line")
    limit_work("n", n, 2, lambda v: v + 2, _cost(problem))
    return await off_lock(entry, lambda: thinned(entry.run), lambda snap: run_line(snap, racer, n))


# ----- one update --------------------------------------------------------------------------------------------
@router.get("/runs/{run_id}/explain", response_model=Explanation, responses=error_responses(404),
            summary="The next update, explained (without stepping)")
async def explain(
    entry: EntryDep, racer: Racer = 0,
    full: Annotated[bool, Query(description="every entry of big vectors (default: the first few and the norm)")]
    = False,
) -> Response:
    """θₜ, ∇J(θₜ), the learning rate, γ∇J, the optimiser's state before and after, θₜ₊₁, J(θₜ₊₁) and which stopping
    test would fire, in numbers and in sentences; the run itself does not move (any run)."""
    entry.run.racer(racer)  # 422 naming the racer when the run has none
    return await json_off_loop(lambda: explain_step(entry.run, racer, full), entry)


# ----- lessons ------------------------------------------------------------------------------------------------
@router.get("/lessons", response_model=list[Lesson], summary="The lessons: presets that walk the lecture")
async def get_lessons() -> list[dict[str, object]]:
    """Each lesson's id, title, caption, run spec (POST it to /api/runs) and view hints, in the lecture's order."""
    return lessons.describe()
