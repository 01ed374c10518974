"""Network problems: gradients through loss_grad, learning, logistic regression = Newton, limits, views."""

import json

import numpy as np
import pytest

from app.views import run_state
from engine.build import build_problem, build_run
from engine.network import NetworkProblem
from engine.network_build import MAX_HIDDEN_LAYERS, MAX_WIDTH, describe
from engine.settings import SettingsError
from tests.engine.test_nn import rel_err

XOR = {"name": "xor", "n": 60, "noise": 0.1, "seed": 0}


def net(**spec) -> NetworkProblem:
    p = build_problem({"kind": "network", **spec})
    assert isinstance(p, NetworkProblem)
    return p


def fd_rows(p: NetworkProblem, theta: np.ndarray, batch: np.ndarray | None, h: float = 1e-6) -> np.ndarray:
    """Central differences of J at each row of theta (K, d), all K rows and ± steps in one call per coordinate."""
    K, d = theta.shape
    g = np.zeros_like(theta)
    for j in range(d):
        T = np.concatenate([theta, theta])
        T[:K, j] += h
        T[K:, j] -= h
        J = p.loss_grad(T, batch)[0]
        g[:, j] = (J[:K] - J[K:]) / (2 * h)
    return g


CONFIGS = [
    {"layers": [2, 5, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce", "data": XOR},
    {"layers": [2, 4, 3, 1], "activation": ["sigmoid", "relu"], "head": "sigmoid", "loss": "quadratic", "data": XOR},
    {"layers": [2, 6, 3], "activation": "relu", "head": "softmax", "loss": "ce",
     "data": {"name": "blobs", "n": 50, "classes": 3}},
    {"layers": [2, 4, 3], "activation": "tanh", "head": "softmax", "loss": "quadratic",
     "data": {"name": "spiral", "n": 40, "classes": 3}},
    {"layers": [2, 3, 2], "activation": "sigmoid", "head": "identity", "loss": "quadratic", "data": XOR},
    {"layers": [1, 8, 8, 1], "activation": ["tanh", "identity"], "head": "identity", "loss": "quadratic",
     "data": {"name": "sine", "n": 40}},
]


@pytest.mark.parametrize("spec", CONFIGS)
@pytest.mark.parametrize("minibatch", [False, True])
def test_loss_grad_matches_finite_differences_for_two_rows(spec: dict, minibatch: bool) -> None:
    p = net(**spec, init="normal", init_sigma=0.8)
    rng = np.random.default_rng(0)
    theta = np.stack([p.default_start(), rng.standard_normal(p.dim) * 0.8])  # K = 2
    batch = rng.choice(p.n_train, 7, replace=False) if minibatch else None
    J, g = p.loss_grad(theta, batch)
    assert J.shape == (2,) and g.shape == (2, p.dim)
    assert rel_err(g, fd_rows(p, theta, batch)) < 1e-6
    for k in range(2):  # each row on its own gives the same numbers
        J1, g1 = p.loss_grad(theta[k : k + 1], batch)
        assert J1[0] == pytest.approx(J[k], rel=1e-12)
        np.testing.assert_allclose(g1[0], g[k], rtol=1e-10, atol=1e-14)
    if batch is None:
        np.testing.assert_allclose(p.loss(theta), J, rtol=1e-10)


def test_loss_is_vectorised_over_many_parameter_vectors() -> None:
    p = net(layers=[2, 8, 8, 1], data={"name": "xor", "n": 500})
    thetas = p.default_start() + 0.3 * np.random.default_rng(1).standard_normal((300, p.dim))
    many = p.loss(thetas)
    np.testing.assert_allclose(many[:5], p.loss_grad(thetas[:5])[0], rtol=1e-10)
    np.testing.assert_allclose(many[-3:], p.loss_grad(thetas[-3:])[0], rtol=1e-10)


def test_defaults_follow_the_data_and_the_start_is_seeded() -> None:
    p = net()
    assert p.info()["layers"] == [2, 4, 4, 1] and p.head.name == "sigmoid" and p.loss_fn.name == "bce"
    q = net(data={"name": "spiral", "classes": 4})
    assert q.mlp.sizes == [2, 4, 4, 4] and q.head.name == "softmax" and q.loss_fn.name == "ce"
    r = net(data={"name": "sine"})
    assert r.mlp.sizes == [1, 4, 4, 1] and r.head.name == "identity" and r.loss_fn.name == "quadratic"
    np.testing.assert_array_equal(net(seed=5).default_start(), net(seed=5).default_start())
    assert not np.array_equal(net(seed=5).default_start(), net(seed=6).default_start())
    assert not net(init="zeros").default_start().any()


def test_info_counts_and_json() -> None:
    p = net(layers=[2, 4, 2], head="softmax", loss="ce", data={"name": "moons", "n": 100, "test_ratio": 0.25})
    info = p.info()
    json.dumps(info)
    assert info["kind"] == "network" and info["dim"] == p.dim == 22
    assert info["counts"] == {"neurons": 6, "weights": 16, "biases": 6, "params": 22}
    assert info["n_train"] == 75 and info["n_test"] == 25 and info["classes"] == 2
    assert info["activation"] == ["tanh"] and info["head"] == "softmax" and info["loss"] == "ce"
    assert p.cheap_full_eval and not net(data={"name": "xor", "n": 2000}).cheap_full_eval


def test_views_for_the_page() -> None:
    p = net(layers=[2, 5, 3, 3], head="softmax", loss="ce", data={"name": "blobs", "n": 90})
    theta = p.default_start()
    layers = p.layers(theta)
    json.dumps(layers)
    assert [np.shape(layer["W"]) for layer in layers] == [(2, 5), (5, 3), (3, 3)]
    assert [len(layer["b"]) for layer in layers] == [5, 3, 3]
    xs, ys, Y = p.predict_grid(theta, ([-1, -1], [1, 1]), 20)
    assert xs.shape == ys.shape == (20,) and Y.shape == (20, 20, 3)
    np.testing.assert_allclose(Y.sum(axis=2), 1.0)
    np.testing.assert_allclose(Y[4, 7], p.predict(theta, [[xs[7], ys[4]]])[0])  # Y[j, i] is at (xs[i], ys[j])
    hidden = p.hidden_grids(theta, ([-1, -1], [1, 1]), 20)
    assert [h.shape for h in hidden] == [(5, 20, 20), (3, 20, 20)]
    tr = p.trace(theta, [[xs[7], ys[4]]])
    np.testing.assert_allclose(hidden[0][:, 4, 7], tr.post[0][0])
    m = p.metrics(theta)
    assert set(m) == {"train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert m["train_loss"] == pytest.approx(p.loss(theta[None])[0])
    assert 0 <= m["test_accuracy"] <= 1
    s = net(data={"name": "sine", "n": 50, "test_ratio": 0.0})
    ms = s.metrics(s.default_start())
    assert ms["train_accuracy"] is None and ms["test_loss"] is None
    xc, yc = s.predict_curve(s.default_start(), (-1, 1), 11)
    assert xc.shape == (11,) and yc.shape == (11, 1)
    with pytest.raises(SettingsError):
        s.predict_grid(s.default_start())
    for bad in ([[1.0, 2.0, 3.0]], [[np.nan, 0.0]]):
        with pytest.raises(SettingsError, match="points"):
            p.predict(theta, bad)
    with pytest.raises(SettingsError, match="grid size"):
        p.predict_grid(theta, None, 5000)
    with pytest.raises(SettingsError, match="numbered 0 to"):
        p.backprop(theta, [p.n_train])


def test_backprop_keeps_every_quantity_and_matches_loss_grad() -> None:
    p = net(layers=[2, 3, 1], activation="sigmoid", head="sigmoid", loss="bce", data=XOR)
    theta = p.default_start() + 0.1
    bp = p.backprop(theta, [4])
    J, g = p.loss_grad(theta[None], np.array([4]))
    assert bp.loss == pytest.approx(J[0])
    np.testing.assert_allclose(np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in bp.grads]), g[0])
    # The lecture's table, for one example: g_b = y − y*, g_β = g_b z, g_z = g_b β, g_a = g_z z(1 − z), g_α = g_a x.
    (alpha, a0), (beta, _) = bp.params
    x, z, y, t = bp.x[0], bp.post[0][0], bp.post[1][0, 0], bp.t[0, 0]
    np.testing.assert_allclose(bp.pre[0][0], x @ alpha + a0)
    g_b = y - t
    np.testing.assert_allclose(bp.grad_pre[1][0, 0], g_b)
    np.testing.assert_allclose(bp.grads[1][0][:, 0], g_b * z)
    np.testing.assert_allclose(bp.grad_post[0][0], g_b * beta[:, 0])
    g_a = g_b * beta[:, 0] * z * (1 - z)
    np.testing.assert_allclose(bp.grad_pre[0][0], g_a)
    np.testing.assert_allclose(bp.grads[0][0], np.outer(x, g_a))
    np.testing.assert_allclose(bp.grad_y[0, 0], -(t / y + (1 - t) / (y - 1)))


# ----- learning -----------------------------------------------------------------------------------
def train(problem: dict, optimizer: dict, steps: int, seed: int = 0) -> dict:
    run = build_run({"problem": {"kind": "network", **problem}, "optimizer": optimizer,
                     "stop": {"grad_norm": None, "max_steps": steps}, "seed": seed})
    run.step(steps)
    assert run.t == steps and run.status == "stopped"
    return run.problem.metrics(run.theta[0])


def test_xor_full_batch_gradient_descent() -> None:
    m = train({"layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
               "data": {"name": "xor", "n": 400, "noise": 0.1, "test_ratio": 0.5, "seed": 0}},
              {"name": "gd", "lr": 0.5}, 1500)
    assert m["test_accuracy"] >= 0.95


def test_circles_mini_batch_gradient_descent() -> None:
    m = train({"layers": [2, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
               "data": {"name": "circles", "n": 400, "test_ratio": 0.5, "seed": 1}},
              {"name": "gd", "lr": 0.5, "batch_size": 20}, 1500)
    assert m["test_accuracy"] >= 0.95


def test_three_class_spiral_softmax() -> None:
    m = train({"layers": [2, 32, 32, 3], "activation": "tanh", "head": "softmax", "loss": "ce",
               "data": {"name": "spiral", "n": 600, "classes": 3, "test_ratio": 0.5, "seed": 0}},
              {"name": "adam", "lr": 0.02}, 1000)
    assert m["test_accuracy"] >= 0.95


def test_mini_batch_runs_are_reproducible() -> None:
    spec = {"problem": {"kind": "network", "data": XOR}, "optimizer": {"name": "gd", "lr": 0.3, "batch_size": 8},
            "seed": 4}
    a, b = build_run(spec), build_run(spec)
    a.step(30)
    b.step(30)
    np.testing.assert_array_equal(a.theta, b.theta)
    state = run_state(a, False)
    assert state["problem"]["kind"] == "network" and state["problem"]["counts"]["params"] == a.problem.dim
    json.dumps(state, allow_nan=False)


def test_logistic_regression_converges_to_newtons_weights() -> None:
    """The perceptron [2, 1] with a sigmoid head and BCE is logistic regression: a strictly convex loss."""
    data = {"name": "linear", "n": 300, "noise": 0.4, "seed": 2, "test_ratio": 0.0}
    p = net(layers=[2, 1], head="sigmoid", loss="bce", data=data)
    Xa = np.column_stack([p.X, np.ones(p.n_train)])  # the flat order: w1, w2, then b
    t = p.T[:, 0]
    w = np.zeros(3)
    for _ in range(50):  # Newton: w ← w − H⁻¹∇J with ∇J = Xᵀ(σ − t)/n, H = Xᵀ diag(σ(1 − σ)) X/n
        s = 1 / (1 + np.exp(-Xa @ w))
        grad = Xa.T @ (s - t) / p.n_train
        H = (Xa * (s * (1 - s))[:, None]).T @ Xa / p.n_train
        w -= np.linalg.solve(H, grad)
    assert np.linalg.norm(grad) < 1e-12 and np.all(np.abs(w) < 50)  # a finite minimum: the set is not separable
    run = build_run({"problem": {"kind": "network", "layers": [2, 1], "head": "sigmoid", "loss": "bce", "data": data},
                     "optimizer": {"name": "gd", "lr": 4.0}, "stop": {"grad_norm": 1e-9, "max_steps": 50_000}})
    run.step(50_000)
    assert run.status == "converged"
    np.testing.assert_allclose(run.theta[0], w, atol=1e-6)


# ----- limits -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({"layers": [2] + [4] * (MAX_HIDDEN_LAYERS + 1) + [1]}, "problem.layers", "at most 8 hidden layers"),
        ({"layers": [2, MAX_WIDTH + 1, 1]}, "problem.layers", "65 neurons"),
        ({"layers": [2, 0, 1]}, "problem.layers", "0 neurons"),
        ({"layers": [3, 4, 1]}, "problem.layers", "must start with 2"),
        ({"layers": [2, 4, 2]}, "problem.layers", "needs 1 output"),
        ({"layers": [2, 4, 2], "head": "softmax", "loss": "ce", "data": {"name": "blobs", "classes": 3}},
         "problem.layers", "needs 3 output"),
        ({"layers": [2, 4, 1], "data": {"name": "sine"}}, "problem.layers", "must start with 1"),
        ({"layers": [2]}, "problem.layers", "at least"),
        ({"layers": "2-4-1"}, "problem.layers", "list of whole numbers"),
        ({"layers": [2, 4.5, 1]}, "problem.layers", "list of whole numbers"),
        ({"head": "sigmoid", "data": {"name": "blobs", "classes": 3}}, "problem.head", "use softmax"),
        ({"head": "softmax", "data": {"name": "sine"}}, "problem.head", "regression"),
        ({"head": "sigmoid", "data": {"name": "sine"}}, "problem.head", "identity"),
        ({"head": "tanh"}, "problem.head", "unknown head"),
        ({"loss": "ce"}, "problem.loss", "softmax head"),
        ({"head": "identity", "loss": "bce"}, "problem.loss", "sigmoid head"),
        ({"activation": "gelu"}, "problem.activation", "unknown activation"),
        ({"init": "orthogonal"}, "problem.init", "unknown init"),
        ({"init_sigma": -1}, "problem.init_sigma", "≥ 0"),
        ({"dropout": 0.5}, "problem.dropout", "unknown setting"),
        ({"loss": ["bce"]}, "problem.loss", "unknown loss"),
        ({"activation": 5}, "problem.activation", "name or a list"),
        ({"data": "xor"}, "problem.data", "must be an object"),
        ({"seed": -1}, "problem.seed", "≥ 0"),
        ({"data": {"name": "xor", "n": 10_001}}, "problem.data.n", "10000"),
        ({"data": {"points": [[0, 0, i % 2] for i in range(10_001)]}}, "problem.data", "too many rows"),
    ],
)
def test_limits_and_bad_specs_are_refused_naming_the_field(spec: dict, field: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words) as err:
        build_problem({"kind": "network", **spec})
    assert err.value.field == field


def test_the_largest_network_is_accepted() -> None:
    p = net(layers=[2] + [MAX_WIDTH] * MAX_HIDDEN_LAYERS + [1], data={"name": "xor", "n": 50})
    J, g = p.loss_grad(p.default_start()[None])
    assert np.isfinite(J).all() and g.shape == (1, p.dim)


def test_describe_lists_every_table_as_json() -> None:
    d = describe()
    json.dumps(d)
    assert set(d["activations"]) == {"sigmoid", "tanh", "relu", "identity"}
    assert set(d["heads"]) == {"sigmoid", "softmax", "identity"} and d["losses"]["ce"]["heads"] == ["softmax"]
    assert set(d["datasets"]) == {"linear", "blobs", "xor", "circles", "moons", "spiral", "sine",
                                 "spheres", "iris", "tips"}
    assert d["limits"] == {"hidden_layers": 8, "width": 64, "points": 10_000, "classes": 10, "features": 64}


def test_identity_head_on_classes_regresses_labels_or_one_hot_rows() -> None:
    one = net(layers=[2, 4, 1], head="identity", loss="quadratic", data=XOR)
    np.testing.assert_array_equal(one.T[:, 0], one.data.train.y)
    two = net(layers=[2, 4, 2], head="identity", loss="quadratic", data=XOR)
    np.testing.assert_array_equal(two.T.argmax(axis=1), two.data.train.y)
    assert two.metrics(two.default_start())["train_accuracy"] is not None
