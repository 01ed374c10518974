"""Loss grids, −∇J fields and gradient-flow paths."""

import numpy as np

from engine.landscape import default_box, flow_starts, grad_field, gradient_flow, loss_grid
from engine.problems import LinearRegression


def test_default_box_holds_start_minimum_and_path(lr_problem: LinearRegression) -> None:
    pts = np.array([[0.0, 0.0], [-4.0, 9.0]])
    low, high = default_box(lr_problem, pts)
    for p in [*pts, lr_problem.minima()[0]]:
        assert (low < p).all() and (p < high).all()


def test_default_box_frames_the_minimum_with_closed_level_sets(lr_problem: LinearRegression) -> None:
    """The box is centred on θ*, the start lies well inside, and level sets around θ* close inside it (issue 15)."""
    start = np.zeros(2)
    low, high = default_box(lr_problem, start[None])
    star = lr_problem.minima()[0]
    np.testing.assert_allclose((low + high) / 2, star)
    assert ((start - low) / (high - low) >= 0.15).all() and ((high - start) / (high - low) >= 0.15).all()
    # {θ: J(θ) − J* ≤ c} = {δ: ½ δᵀHδ ≤ c} has half-extents √(2c (H⁻¹)ᵢᵢ) per axis: the one a tenth of the way
    # from J* to J(θ⁽⁰⁾) lies inside the box, so closed rings show around θ*.
    c = 0.1 * (lr_problem.loss(start[None])[0] - lr_problem.J_star)
    half = np.sqrt(2 * c * np.diag(np.linalg.inv(lr_problem.hessian(star))))
    assert (low < star - half).all() and (star + half < high).all()


def test_loss_grid_matches_pointwise_loss(lr_problem: LinearRegression) -> None:
    box = (np.array([-1.0, -2.0]), np.array([4.0, 6.0]))
    xs, ys, Z = loss_grid(lr_problem, box, 200)
    assert Z.shape == (200, 200) and xs[0] == -1 and ys[-1] == 6
    for i, j in [(0, 0), (17, 150), (199, 3), (100, 100)]:
        assert np.isclose(Z[j, i], lr_problem.loss(np.array([[xs[i], ys[j]]]))[0], rtol=1e-12)


def test_field_is_the_negative_gradient(lr_problem: LinearRegression) -> None:
    box = (np.array([-1.0, -2.0]), np.array([4.0, 6.0]))
    xs, ys, U, V = grad_field(lr_problem, box, 15)
    _, g = lr_problem.loss_grad(np.array([[xs[3], ys[7]]]))
    np.testing.assert_allclose([U[7, 3], V[7, 3]], -g[0])


def test_flow_paths_descend_and_end_near_the_minimum(lr_problem: LinearRegression) -> None:
    box = default_box(lr_problem, np.zeros((1, 2)))
    starts = flow_starts(box, per_side=3)
    paths = gradient_flow(lr_problem, starts, box, max_points=2000)
    assert len(paths) == 12
    star = lr_problem.minima()[0]
    span = np.linalg.norm(box[1] - box[0])
    for p in paths:
        J = lr_problem.loss(p)
        assert np.all(np.diff(J) <= 1e-9 * J[:-1].max())  # J never increases along a flow line
        assert np.linalg.norm(p[-1] - star) < 0.05 * span
