"""Linear regression exactly as the lecture writes it: J, ∇J, Hessian, minimum, 2/λmax."""

import numpy as np
import pytest

from engine.datasets import LineConfig, make_line
from engine.problems import LinearRegression
from tests.engine.conftest import finite_diff_grad


def direct_loss(p: LinearRegression, theta: np.ndarray) -> float:
    """J(θ) = 1/N Σ (y⁽ⁱ⁾ − θᵀx⁽ⁱ⁾)² with x⁽ⁱ⁾ = [1, x⁽ⁱ⁾], written out."""
    x, y = p.data.X[:, 0], p.data.y
    return float(np.mean((y - (theta[0] + theta[1] * x)) ** 2))


@pytest.mark.parametrize("seed", range(5))
def test_loss_is_the_mean_of_squares_not_half(seed: int) -> None:
    p = LinearRegression(make_line(LineConfig(n=37, slope=-2, intercept=5, noise=1.5, x_min=-3, x_max=4, seed=seed)))
    thetas = np.random.default_rng(seed).normal(scale=4, size=(6, 2))
    np.testing.assert_allclose(p.loss(thetas), [direct_loss(p, t) for t in thetas], rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_matches_finite_differences(seed: int) -> None:
    p = LinearRegression(make_line(LineConfig(n=50, seed=seed, x_min=-2, x_max=3)))
    theta = np.random.default_rng(seed).normal(scale=3, size=2)
    _, g = p.loss_grad(theta[None])
    fd = finite_diff_grad(lambda t: direct_loss(p, t), theta)
    np.testing.assert_allclose(g[0], fd, rtol=1e-6, atol=1e-7)


def test_batch_gradient_matches_finite_differences(lr_problem: LinearRegression) -> None:
    idx = np.array([3, 17, 42, 5])
    theta = np.array([0.3, -1.2])
    _, g = lr_problem.loss_grad(theta[None], idx)
    x, y = lr_problem.data.X[idx, 0], lr_problem.data.y[idx]
    fd = finite_diff_grad(lambda t: float(np.mean((y - t[0] - t[1] * x) ** 2)), theta)
    np.testing.assert_allclose(g[0], fd, rtol=1e-6, atol=1e-7)


def test_full_batch_through_indices_equals_statistics(lr_problem: LinearRegression) -> None:
    thetas = np.random.default_rng(1).normal(size=(4, 2)) * 5
    l1, g1 = lr_problem.loss_grad(thetas)
    l2, g2 = lr_problem.loss_grad(thetas, np.arange(lr_problem.n_train))
    np.testing.assert_allclose(l1, l2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


def test_hessian_matches_finite_differences_of_gradient(lr_problem: LinearRegression) -> None:
    theta = np.array([0.5, 0.5])
    H = lr_problem.hessian(theta)
    fd = np.column_stack([
        finite_diff_grad(lambda t, j=j: float(lr_problem.loss_grad(t[None])[1][0, j]), theta) for j in range(2)
    ])
    np.testing.assert_allclose(H, fd, rtol=1e-6)
    np.testing.assert_allclose(H, 2 * lr_problem.X.T @ lr_problem.X / lr_problem.n_train)


@pytest.mark.parametrize("seed", range(4))
def test_minimum_matches_lstsq(seed: int) -> None:
    p = LinearRegression(make_line(LineConfig(n=80, slope=7, intercept=-1, noise=2, x_min=10, x_max=20, seed=seed)))
    expected = np.linalg.lstsq(p.X, p.y, rcond=None)[0]
    np.testing.assert_allclose(p.minima()[0], expected, rtol=1e-10)
    np.testing.assert_allclose(p.info()["minimum_loss"], direct_loss(p, expected), rtol=1e-10)
    assert np.linalg.norm(p.loss_grad(expected[None])[1]) < 1e-9


def test_max_stable_lr_is_two_over_largest_eigenvalue(lr_problem: LinearRegression) -> None:
    lam = np.linalg.eigvalsh(lr_problem.hessian(np.zeros(2)))
    assert lr_problem.max_stable_lr() == pytest.approx(2 / lam[-1])
    info = lr_problem.info()
    assert info["best_lr"] == pytest.approx(2 / (lam[0] + lam[-1]))
    assert info["eigenvalues"] == pytest.approx(lam.tolist())


def test_grid_equals_pointwise_loss(lr_problem: LinearRegression) -> None:
    t1, t2 = np.meshgrid(np.linspace(-3, 5, 7), np.linspace(-1, 6, 9))
    Z = lr_problem.loss_grid(t1, t2)
    pts = np.column_stack([t1.ravel(), t2.ravel()])
    np.testing.assert_allclose(Z.ravel(), [direct_loss(lr_problem, p) for p in pts], rtol=1e-12)
    G1, G2 = lr_problem.grad_grid(t1, t2)
    _, G = lr_problem.loss_grad(pts)
    np.testing.assert_allclose(np.column_stack([G1.ravel(), G2.ravel()]), G, rtol=1e-12, atol=1e-12)


def test_loss_is_accurate_near_minimum_with_large_offsets() -> None:
    """Centred statistics: no cancellation even when y is far from zero."""
    p = LinearRegression(make_line(LineConfig(n=200, intercept=1e6, slope=3, noise=0.5, seed=3)))
    star = p.minima()[0]
    assert p.loss(star[None])[0] == pytest.approx(direct_loss(p, star), rel=1e-9)
