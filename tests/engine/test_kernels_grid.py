"""The compiled losses at many parameter vectors (engine/kernels_grid.py) against NetworkProblem.loss, to 1e-12."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine import kernels, kernels_grid
from engine.build import build_run
from engine.slices import loss_slice, plane_losses, random_directions

pytestmark = pytest.mark.skipif(kernels.kernel() is None, reason="Numba is not installed")

XOR = {"name": "xor", "n": 150, "noise": 0.1, "seed": 1}
SPIRAL = {"name": "spiral", "n": 150, "classes": 3, "noise": 0.1, "seed": 2}
SINE = {"name": "sine", "n": 90, "noise": 0.1, "seed": 0}
# Every activation, every head/loss pairing the kernel has, one and several hidden layers.
NETS: list[dict[str, Any]] = [
    {"layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce", "data": XOR},
    {"layers": [2, 6, 1], "activation": "sigmoid", "head": "sigmoid", "loss": "quadratic", "data": XOR},
    {"layers": [2, 5, 4, 3], "activation": ["relu", "identity"], "head": "softmax", "loss": "ce", "data": SPIRAL},
    {"layers": [2, 7, 3], "activation": "tanh", "head": "softmax", "loss": "quadratic", "data": SPIRAL},
    {"layers": [1, 8, 8, 1], "activation": ["sigmoid", "relu"], "head": "identity", "loss": "quadratic", "data": SINE},
]


def problem_of(net: dict[str, Any]) -> Any:
    return build_run({"problem": {"kind": "network", **net, "seed": 4}}).problem


@pytest.mark.parametrize("net", NETS, ids=[f"{n['head']}-{n['loss']}-{i}" for i, n in enumerate(NETS)])
def test_compiled_losses_match_the_reference(net: dict[str, Any]) -> None:
    problem = problem_of(net)
    rng = np.random.default_rng(0)
    thetas = problem.default_start() + rng.standard_normal((300, problem.dim)) * np.array([[0.1], [1.0], [5.0]] * 100)
    fast = kernels_grid.losses(problem, thetas)
    assert fast is not None
    with np.errstate(all="ignore"):
        ref = problem.loss(thetas)
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)


def test_a_slice_is_the_reference_slice_to_1e_12() -> None:
    problem = problem_of(NETS[0])
    theta = problem.default_start()
    path = theta + np.cumsum(np.random.default_rng(1).standard_normal((30, problem.dim)) * 0.05, axis=0)
    fast = loss_slice(problem, theta, "pca", n=21, path=path)
    kernels.ENABLED = False
    try:
        assert kernels_grid.losses(problem, path) is None  # the reference really computes this one
        ref = loss_slice(problem, theta, "pca", n=21, path=path)
    finally:
        kernels.ENABLED = True
    np.testing.assert_allclose(np.array(fast["loss"], dtype=float), np.array(ref["loss"], dtype=float),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast["trajectory"]["loss"], ref["trajectory"]["loss"], rtol=1e-12, atol=1e-12)
    assert fast["centre_loss"] == pytest.approx(ref["centre_loss"], rel=1e-12, abs=1e-12)


def test_blown_up_weights_give_the_same_non_finite_losses() -> None:
    problem = problem_of(NETS[4])  # identity head: J grows without bound, and overflows
    d1, d2 = random_directions(problem.dim, 0, 1e160)
    axis = np.linspace(-1.0, 1.0, 5)
    fast = plane_losses(problem, problem.default_start(), d1, d2, axis, axis)
    kernels.ENABLED = False
    try:
        ref = plane_losses(problem, problem.default_start(), d1, d2, axis, axis)
    finally:
        kernels.ENABLED = True
    assert not np.isfinite(ref).all()
    np.testing.assert_array_equal(np.isfinite(fast), np.isfinite(ref))
    np.testing.assert_allclose(fast[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)


def test_problems_the_kernel_does_not_cover_are_left_to_the_reference() -> None:
    surface = build_run({"problem": {"kind": "surface", "name": "booth"}}).problem
    assert kernels_grid.losses(surface, np.zeros((3, 2))) is None
    big = problem_of({"layers": [2, 64, 64, 64, 1], "data": XOR})  # past MAX_DIM: BLAS products win
    assert big.dim > kernels_grid.MAX_DIM and kernels_grid.losses(big, big.default_start()[None]) is None


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "identity"])
def test_compiled_activations_match_numpys(name: str) -> None:
    from engine.nn import ACTIVATIONS

    z = np.concatenate([np.random.default_rng(3).standard_normal(2000) * s for s in (1e-9, 0.3, 3.0, 40.0)])
    z = np.concatenate([z, [0.0, -0.0, 800.0, -800.0, np.inf, -np.inf, np.nan, 1.0]]).reshape(8, -1)
    ref = ACTIVATIONS[name].f(z.copy())
    fast = kernels_grid.activate(z.copy(), name)
    assert fast is not None and fast.shape == z.shape
    np.testing.assert_allclose(fast, ref, rtol=1e-15, atol=1e-15)  # a few ulp (of 1 near σ = 0), NaN as NumPy


def test_sharing_rows_over_threads_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = problem_of(NETS[0])
    thetas = problem.default_start() + np.random.default_rng(5).standard_normal((2001, problem.dim))
    monkeypatch.setattr(kernels_grid, "SPLIT_WORK", 1000)
    monkeypatch.setattr(kernels_grid, "THREADS", 3)
    shared = kernels_grid.losses(problem, thetas)
    monkeypatch.setattr(kernels_grid, "THREADS", 1)
    alone = kernels_grid.losses(problem, thetas)
    assert shared is not None and alone is not None
    assert np.array_equal(shared, alone)
