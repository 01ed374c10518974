"""Networks on k features: a k = 5 CSV network's one-step update is a finite-difference gradient step, and the
decision and hidden-unit views over a slice (other features at their means) or the principal components, k = 4."""

import numpy as np
import pytest

from engine.build import build_run
from engine.network import NetworkProblem
from engine.network_build import build_network
from engine.planes import make_plane
from engine.settings import SettingsError


def five_feature_csv(n: int = 60, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)) * [1.0, 2.0, 0.5, 10.0, 1.0] + [0.0, 1.0, -1.0, 20.0, 3.0]
    label = ((X[:, 0] + 0.5 * X[:, 1] - X[:, 2]) > 0.5).astype(int)
    lines = ["alpha,beta,gamma,delta,label,epsilon"]
    lines += [",".join(repr(float(v)) for v in r[:4]) + f",{t},{float(r[4])!r}" for r, t in zip(X, label, strict=True)]
    return "\n".join(lines) + "\n"


def fd_grad(problem: NetworkProblem, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of J at theta (d,), every coordinate in one vectorised call."""
    E = h * np.eye(theta.size)
    J = problem.loss(np.vstack([theta + E, theta - E]))
    return (J[: theta.size] - J[theta.size:]) / (2 * h)


def test_k5_csv_network_trains_and_one_step_is_a_finite_difference_gradient_step() -> None:
    spec = {"problem": {"kind": "network", "layers": [5, 6, 1], "data": {"csv": five_feature_csv()}},
            "optimizer": {"name": "gd", "lr": 0.3}, "stop": {"grad_norm": None, "max_steps": 400}}
    run = build_run(spec)
    problem: NetworkProblem = run.problem  # type: ignore[assignment]
    assert problem.mlp.sizes[0] == 5 and problem.data.columns == ("alpha", "beta", "gamma", "delta", "epsilon")
    theta0 = run.theta[0].copy()
    run.step(1)
    want = theta0 - 0.3 * fd_grad(problem, theta0)
    np.testing.assert_allclose(run.theta[0], want, rtol=1e-6, atol=1e-8)
    before = float(run.loss[0])
    run.step(399)
    m = problem.metrics(run.theta[0])
    assert float(run.loss[0]) < 0.5 * before and m["train_accuracy"] is not None and m["train_accuracy"] > 0.9


@pytest.fixture(scope="module")
def iris() -> tuple[NetworkProblem, np.ndarray]:
    problem = build_network({"kind": "network", "layers": [4, 5, 3], "data": {"name": "iris"}, "seed": 2})
    theta = problem.default_start() + 0.3 * np.random.default_rng(1).standard_normal(problem.dim)
    return problem, theta


def test_slice_holds_the_other_features_at_their_means(iris: tuple[NetworkProblem, np.ndarray]) -> None:
    problem, theta = iris
    data = problem.data
    plane = make_plane(data, "slice", (2, 3))
    xs, ys, Y = problem.predict_grid(theta, None, 7, plane)
    assert Y.shape == (7, 7, 3)
    mean = data.raw_train.mean(axis=0)
    j, i = 5, 2
    row = mean.copy()
    row[2], row[3] = xs[i], ys[j]  # petal length and width from the grid, sepals at their means
    want = problem.predict(theta, (row[None] - data.mean) / data.std)[0]
    np.testing.assert_allclose(Y[j, i], want, rtol=1e-12)
    lo, hi = data.raw_all()[:, 2].min(), data.raw_all()[:, 2].max()
    assert xs[0] < lo and xs[-1] > hi  # the box is the data's, widened
    d = plane.describe()
    assert d["axes"] == ["petal_length", "petal_width"] and d["features"] == [2, 3]
    assert set(d["held"]) == {"sepal_length", "sepal_width"} and "held at their means" in d["text"]
    # The hidden units over the same slice are the first layer's activations at those rows.
    H = problem.hidden_grids(theta, ([xs[0], ys[0]], [xs[-1], ys[-1]]), 7, plane)
    tr = problem.trace(theta, (row[None] - data.mean) / data.std)
    np.testing.assert_allclose(H[0][:, j, i], tr.post[0][0], rtol=1e-12)


def test_pca_plane_of_the_standardised_features(iris: tuple[NetworkProblem, np.ndarray]) -> None:
    problem, theta = iris
    data = problem.data
    plane = make_plane(data, "pca")
    X = data.raw_train
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    U = plane.project * X.std(axis=0)  # the unit principal directions in standardised space
    np.testing.assert_allclose(U @ U.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.coords(X), Z @ U.T, atol=1e-12)
    np.testing.assert_allclose(plane.raw(np.zeros((1, 2)))[0], X.mean(axis=0))
    assert plane.variance is not None and plane.variance[0] > 0.7 and sum(plane.variance) > 0.9
    np.testing.assert_allclose(np.var(Z @ U[0]) * 4 / np.sum(np.var(Z, axis=0) * 4), plane.variance[0])
    xs, ys, Y = problem.predict_grid(theta, None, 5, plane)
    row = plane.raw(np.array([[xs[1], ys[3]]]))
    np.testing.assert_allclose(Y[3, 1], problem.predict(theta, data.to_inputs(row))[0], rtol=1e-12)
    assert plane.describe()["axes"] == ["PC1", "PC2"] and "principal components" in plane.describe()["text"]


def test_bad_planes_name_the_field(iris: tuple[NetworkProblem, np.ndarray]) -> None:
    problem, _ = iris
    for pair, field in (((0, 4), "y_feature"), ((1, 1), "y_feature"), ((-1, 2), "x_feature")):
        with pytest.raises(SettingsError) as err:
            make_plane(problem.data, "slice", pair)
        assert err.value.field == field
    with pytest.raises(SettingsError, match="one of slice, pca"):
        make_plane(problem.data, "tsne")
