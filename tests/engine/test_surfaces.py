"""Test surfaces: gradients and Hessians against finite differences, known minima, grids, specs and facts."""

import json
import math

import numpy as np
import pytest

from app.views import run_state
from engine.build import build_problem, build_run
from engine.landscape import default_box, grad_field, loss_grid
from engine.settings import SettingsError
from engine.surface_problem import SurfaceProblem
from engine.surfaces import SURFACES
from tests.engine.conftest import finite_diff_grad

# Every surface at its defaults, plus the ones with settings at non-default values.
CASES = [(name, {}) for name in SURFACES] + [
    ("quadratic", {"condition": 50.0, "rotation": -70.0}),
    ("rosenbrock", {"a": 2.0, "b": 5.0}),
    ("rastrigin", {"A": 3.0}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in s.items()) or 'default'}" for n, s in CASES]

# Published minima and minimum values, written out independently of engine/surfaces.py.
KNOWN = {
    "quadratic": ([(0, 0)], 0.0),
    "rosenbrock": ([(1, 1)], 0.0),
    "beale": ([(3, 0.5)], 0.0),
    "himmelblau": ([(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)], 0.0),
    "booth": ([(1, 3)], 0.0),
    "goldstein_price": ([(0, -1)], 3.0),
    "rastrigin": ([(0, 0)], 0.0),
    "saddle": ([], None),
    "six_hump_camel": ([(0.0898, -0.7126), (-0.0898, 0.7126)], -1.0316284534898774),
}


def _points(problem: SurfaceProblem, n: int = 6, seed: int = 0) -> np.ndarray:
    """n seeded points inside the surface's view box, (n, 2)."""
    low, high = problem.default_box()
    return low + (high - low) * np.random.default_rng(seed).random((n, 2))


@pytest.mark.parametrize(("name", "settings"), CASES, ids=IDS)
def test_gradient_matches_central_differences(name: str, settings: dict) -> None:
    P = SurfaceProblem(name, settings)
    pts = _points(P)
    _, G = P.loss_grad(pts)
    for p, g in zip(pts, G, strict=True):
        fd = finite_diff_grad(lambda th: P.loss(th[None])[0], p, h=1e-6)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(g).max()))


@pytest.mark.parametrize(("name", "settings"), CASES, ids=IDS)
def test_hessian_matches_central_differences_of_the_gradient(name: str, settings: dict) -> None:
    P = SurfaceProblem(name, settings)
    for p in _points(P, seed=1):
        H = P.hessian(p)
        assert H.shape == (2, 2) and np.array_equal(H, H.T)
        fd = np.column_stack([finite_diff_grad(lambda th, j=j: P.loss_grad(th[None])[1][0, j], p, h=1e-5)
                              for j in range(2)])
        np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(H).max()))


@pytest.mark.parametrize("name", list(SURFACES))
def test_known_minima_have_the_known_value_and_zero_gradient(name: str) -> None:
    P = SurfaceProblem(name)
    expected, value = KNOWN[name]
    minima = P.minima()
    assert len(minima) == len(expected)
    for m, e in zip(minima, expected, strict=True):
        np.testing.assert_allclose(m, e, atol=1e-4)
        J, G = P.loss_grad(m[None])
        assert J[0] == pytest.approx(value, abs=1e-12)
        assert np.abs(G).max() < 1e-9
        assert np.linalg.eigvalsh(P.hessian(m))[0] > 0  # a strict minimum, not a saddle
    info = P.info()
    assert info["minimum_loss"] == (None if value is None else pytest.approx(value, abs=1e-12))
    # Nothing in the view box is lower than the known minimum (a coarse grid check).
    if value is not None:
        _, _, Z = loss_grid(P, P.default_box(), 201)
        assert Z.min() >= value - 1e-9


def test_minima_follow_the_settings() -> None:
    P = SurfaceProblem("rosenbrock", {"a": -1.5, "b": 3.0})
    np.testing.assert_array_equal(P.minima()[0], [-1.5, 2.25])
    assert P.loss(P.minima()[0][None])[0] == 0.0


@pytest.mark.parametrize(("name", "settings"), CASES, ids=IDS)
def test_grid_methods_equal_the_k_point_methods(name: str, settings: dict) -> None:
    P = SurfaceProblem(name, settings)
    low, high = P.default_box()
    X, Y = np.meshgrid(np.linspace(low[0], high[0], 31), np.linspace(low[1], high[1], 23))
    J, G = P.loss_grad(np.column_stack([X.ravel(), Y.ravel()]))
    np.testing.assert_allclose(P.loss_grid(X, Y), J.reshape(X.shape), rtol=1e-14)
    gx, gy = P.grad_grid(X, Y)
    np.testing.assert_allclose(gx, G[:, 0].reshape(X.shape), rtol=1e-14)
    np.testing.assert_allclose(gy, G[:, 1].reshape(X.shape), rtol=1e-14)
    # K points at once equal one point at a time.
    pts = _points(P, n=5, seed=2)
    JK, GK = P.loss_grad(pts)
    for i, p in enumerate(pts):
        J1, G1 = P.loss_grad(p[None])
        np.testing.assert_allclose(J1[0], JK[i], rtol=1e-15)
        np.testing.assert_allclose(G1[0], GK[i], rtol=1e-15)


def test_landscape_uses_the_grid_methods() -> None:
    P = SurfaceProblem("himmelblau")
    box = P.default_box()
    xs, ys, Z = loss_grid(P, box, 50)
    assert Z[7, 3] == pytest.approx(P.loss(np.array([[xs[3], ys[7]]]))[0], rel=1e-14)
    xs, ys, U, V = grad_field(P, box, 9)
    np.testing.assert_allclose([U[2, 5], V[2, 5]], -P.loss_grad(np.array([[xs[5], ys[2]]]))[1][0])
    low, high = default_box(P, P.default_start()[None])
    for m in P.minima():
        assert (low <= m).all() and (m <= high).all()


@pytest.mark.parametrize("name", list(SURFACES))
def test_info_is_json_and_the_start_is_in_the_box(name: str) -> None:
    P = SurfaceProblem(name)
    info = json.loads(json.dumps(P.info(), allow_nan=False))
    assert info["kind"] == "surface" and info["name"] == name
    assert info["title"] and info["formula"].startswith("J = ")
    low, high = info["default_box"]
    assert low[0] < info["start"][0] < high[0] and low[1] < info["start"][1] < high[1]
    assert info["minimum"] == (info["minima"][0] if info["minima"] else None)
    assert P.n_train is None and P.kind == "surface"
    json.dumps(SURFACES[name].describe(), allow_nan=False)


@pytest.mark.parametrize(("kappa", "phi"), [(1.0, 0.0), (10.0, 30.0), (400.0, -125.0)])
def test_quadratic_has_eigenvalues_one_and_kappa_with_the_long_axis_at_phi(kappa: float, phi: float) -> None:
    P = SurfaceProblem("quadratic", {"condition": kappa, "rotation": phi})
    H = P.hessian(np.array([0.3, -2.0]))
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [1.0, kappa], rtol=1e-12)
    axis = np.array([math.cos(math.radians(phi)), math.sin(math.radians(phi))])
    np.testing.assert_allclose(H @ axis, axis, atol=1e-12 * kappa)  # eigenvalue 1 along φ
    v = np.array([[0.7, -1.1]])
    assert P.loss(v)[0] == pytest.approx(0.5 * (v[0] @ H @ v[0]), rel=1e-14)
    info = P.info()
    assert info["max_stable_lr"] == pytest.approx(2.0 / kappa) == P.max_stable_lr()
    assert info["best_lr"] == pytest.approx(2.0 / (1.0 + kappa))
    assert info["best_rate"] == pytest.approx((kappa - 1.0) / (kappa + 1.0), abs=1e-12)


def test_booth_is_a_quadratic_the_others_have_no_stable_step() -> None:
    booth = SurfaceProblem("booth").info()
    np.testing.assert_allclose(booth["eigenvalues"], [2.0, 18.0])
    assert booth["max_stable_lr"] == pytest.approx(2.0 / 18.0)
    for name in ("rosenbrock", "himmelblau", "saddle", "rastrigin"):
        P = SurfaceProblem(name)
        assert P.max_stable_lr() is None and "max_stable_lr" not in P.info()
    saddle = SurfaceProblem("saddle")
    assert saddle.minima() == [] and saddle.info()["minimum"] is None
    s = saddle.default_start()
    assert s[1] != 0 and abs(s[1]) < 0.01  # slightly off the saddle's stable axis, so it can escape


def test_spec_builds_a_surface_and_the_run_starts_at_its_default_start() -> None:
    P = build_problem({"kind": "surface", "name": "rosenbrock", "a": 2.0})
    assert isinstance(P, SurfaceProblem) and P.params == {"a": 2.0, "b": 100.0}
    run = build_run({"problem": {"kind": "surface", "name": "rosenbrock"}})
    np.testing.assert_array_equal(run.start, [-1.2, 1.0])
    assert run_state(run, False)["problem"]["name"] == "rosenbrock"
    run = build_run({"problem": {"kind": "surface", "name": "himmelblau"}, "start": [1.0, -2.0]})
    np.testing.assert_array_equal(run.theta[0], [1.0, -2.0])
    assert build_problem({"kind": "surface"}).name == "rosenbrock"  # the name defaults to Rosenbrock


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ({"name": "banana"}, "problem.name", "known: quadratic, rosenbrock, beale"),
        ({"name": ["rosenbrock"]}, "problem.name", "unknown surface"),
        ({"name": "rosenbrock", "c": 1}, "problem.c", "known: a, b"),
        ({"name": "quadratic", "condition": 0.5}, "problem.condition", "≥ 1.0"),
        ({"name": "rosenbrock", "b": 0}, "problem.b", "> 0.0"),
        ({"name": "rastrigin", "A": "ten"}, "problem.A", "number"),
        ({"name": "booth", "a": 1.0}, "problem.a", "known: )"),
    ],
)
def test_bad_surface_specs_name_the_field(spec: dict, field: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        build_problem({"kind": "surface", **spec})
    assert exc.value.field == field
