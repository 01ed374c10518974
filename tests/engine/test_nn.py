"""Layers, activations, heads and MLPs: every backward against central finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.activations import ACTIVATIONS, HEADS, sigmoid, softmax
from engine.layers import INITS, ActivationLayer, Dense
from engine.nn import MLP, counts
from engine.settings import SettingsError

H = 1e-6


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): the relative error of two gradients."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def fd(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """Central finite-difference gradient of the scalar f at x (any shape), perturbing x in place."""
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + h
        fp = f()
        flat[j] = old - h
        fm = f()
        flat[j] = old
        gflat[j] = (fp - fm) / (2 * h)
    return g


def away_from_kinks(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normals at least 1e-3 from 0, so ReLU's kink never sits inside a finite difference."""
    z = rng.standard_normal(shape)
    return np.where(np.abs(z) < 1e-3, 0.5, z)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name: str) -> None:
    fn = ACTIVATIONS[name]
    z = away_from_kinks(np.random.default_rng(1), (7, 5)) * 3
    a = fn.f(z.copy())
    num = (fn.f(z + H) - fn.f(z - H)) / (2 * H)
    assert rel_err(fn.df(z, a), num) < 1e-6


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_layer_backward(name: str) -> None:
    rng = np.random.default_rng(2)
    layer = ActivationLayer(ACTIVATIONS[name])
    x = away_from_kinks(rng, (4, 9))
    R = rng.standard_normal((4, 9))
    layer.forward(x)
    gx = layer.backward(R)
    assert rel_err(gx, fd(lambda: float(np.sum(R * layer.fn.f(x))), x)) < 1e-6


@pytest.mark.parametrize(("n_in", "n_out", "n"), [(2, 3, 5), (1, 1, 1), (6, 4, 11)])
def test_dense_backward_fills_grads_and_returns_input_grad(n_in: int, n_out: int, n: int) -> None:
    rng = np.random.default_rng(n_in * 10 + n_out)
    layer = Dense(n_in, n_out)
    block, gblock = rng.standard_normal((n_in + 1, n_out)), np.zeros((n_in + 1, n_out))
    layer.bind(block, gblock)
    x = rng.standard_normal((n_in, n))  # examples are columns
    R = rng.standard_normal((n_out, n))

    def J() -> float:
        return float(np.sum(R * layer.forward(x)))

    np.testing.assert_allclose(layer.forward(x), layer.params["W"].T @ x + layer.params["b"][:, None])
    gx = layer.backward(R)
    assert rel_err(layer.grads["W"], fd(J, layer.params["W"])) < 1e-6
    assert rel_err(layer.grads["b"], fd(J, layer.params["b"])) < 1e-6
    assert rel_err(gx, fd(J, x)) < 1e-6
    assert layer.params["W"].base is not None and np.shares_memory(layer.grads["W"], gblock)  # views, no copies


@pytest.mark.parametrize("name", list(HEADS))
def test_head_vjp_matches_finite_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    head = HEADS[name]
    z = rng.standard_normal((6, 3))
    g = rng.standard_normal((6, 3))
    y = head.f(z)
    assert rel_err(head.vjp(z, y, g), fd(lambda: float(np.sum(g * head.f(z))), z)) < 1e-6


def test_softmax_rows_sum_to_one_and_survive_large_logits() -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [3.0, 1.0, 0.2]])
    y = softmax(z)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(y[1], [1 / 3] * 3)


def test_sigmoid_is_stable_and_exact_enough() -> None:
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(s[2:5], 1 / (1 + np.exp(-z[2:5])), rtol=1e-15)


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([3, 4, 2], {"neurons": 6, "weights": 20, "biases": 6, "params": 26}),  # the lecture's network
        ([2, 1], {"neurons": 1, "weights": 2, "biases": 1, "params": 3}),  # the perceptron
        ([2, 4, 4, 1], {"neurons": 9, "weights": 28, "biases": 9, "params": 37}),
        ([2, 8, 8, 3], {"neurons": 19, "weights": 104, "biases": 19, "params": 123}),
    ],
)
def test_counts_as_the_lecture_counts(sizes: list[int], expected: dict[str, int]) -> None:
    assert counts(sizes) == expected
    mlp = MLP(sizes, "tanh", "identity")
    assert mlp.dim == expected["params"] == len(mlp.param_names())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=2, max_size=6))
def test_counts_match_the_flat_vector_for_any_shape(sizes: list[int]) -> None:
    c = counts(sizes)
    mlp = MLP(sizes, "relu", "identity")
    assert c["params"] == mlp.dim == c["weights"] + c["biases"] and c["neurons"] == sum(sizes[1:])
    assert [W.shape for W, _ in mlp.unpack(np.zeros(mlp.dim))] == list(zip(sizes[:-1], sizes[1:], strict=False))


ARCHS = [
    ([2, 1], "tanh", "sigmoid"),
    ([3, 4, 2], "sigmoid", "softmax"),
    ([2, 5, 3, 1], ["relu", "tanh"], "identity"),
    ([1, 6, 6, 6, 2], ["identity", "sigmoid", "relu"], "softmax"),
]


@pytest.mark.parametrize(("sizes", "act", "head"), ARCHS)
def test_mlp_gradient_matches_finite_differences(sizes: list[int], act, head: str) -> None:
    rng = np.random.default_rng(sum(sizes))
    mlp = MLP(sizes, act, head)
    theta = rng.standard_normal(mlp.dim) * 0.7
    x = rng.standard_normal((sizes[0], 7))
    R = rng.standard_normal((sizes[-1], 7))
    grad = np.zeros(mlp.dim)
    mlp.bind(theta, grad)
    mlp.logits(x)
    gx = mlp.backward(R.copy())

    def J() -> float:
        return float(np.sum(R * mlp.logits(x)))

    assert rel_err(grad, fd(J, theta)) < 1e-6
    assert rel_err(gx, fd(J, x)) < 1e-6


def test_pack_unpack_round_trip_and_flat_order() -> None:
    mlp = MLP([3, 4, 2], "tanh", "softmax")
    theta = np.arange(mlp.dim, dtype=np.float64)
    (W1, b1), (W2, b2) = mlp.unpack(theta)
    assert W1.shape == (3, 4) and b1.shape == (4,) and W2.shape == (4, 2) and b2.shape == (2,)
    np.testing.assert_array_equal(W1.ravel(), np.arange(12))  # W row-major, then b
    np.testing.assert_array_equal(b1, np.arange(12, 16))
    np.testing.assert_array_equal(mlp.pack(mlp.unpack(theta)), theta)
    assert mlp.param_names()[:2] == ["W1[0,0]", "W1[0,1]"] and mlp.param_names()[12] == "b1[0]"


def test_inits_are_seeded_and_shaped() -> None:
    mlp = MLP([2, 30, 20, 1], "tanh", "sigmoid")
    a, b = mlp.init("xavier", seed=3), mlp.init("xavier", seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, mlp.init("xavier", seed=4))
    (W1, b1), (W2, _), _ = mlp.unpack(a)
    assert np.abs(W1).max() <= np.sqrt(6 / 32) and np.abs(W2).max() <= np.sqrt(6 / 50)
    assert not b1.any()
    normal = mlp.unpack(mlp.init("normal", seed=0, sigma=0.5))[1][0]
    assert 0.4 < normal.std() < 0.6
    assert not mlp.init("zeros").any()
    assert set(INITS) == {"xavier", "normal", "zeros"}
    with pytest.raises(SettingsError, match="problem.init"):
        mlp.init("he")


def test_forward_trace_and_forward_many_agree() -> None:
    rng = np.random.default_rng(5)
    mlp = MLP([2, 4, 3, 3], ["tanh", "relu"], "softmax")
    thetas = rng.standard_normal((3, mlp.dim))
    x = rng.standard_normal((10, 2))
    many = mlp.forward_many(thetas, x)
    for k in range(3):
        tr = mlp.forward(x, thetas[k])
        np.testing.assert_allclose(tr.out, many[k], rtol=1e-12)
        assert [p.shape for p in tr.pre] == [(10, 4), (10, 3), (10, 3)]
        np.testing.assert_allclose(tr.post[0], np.tanh(tr.pre[0]))
        (W1, b1) = mlp.unpack(thetas[k])[0]
        np.testing.assert_allclose(tr.pre[0], x @ W1 + b1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sizes": [2], "activation": "tanh"}, "problem.layers"),
        ({"sizes": [2, 3, 1], "activation": "swish"}, "problem.activation"),
        ({"sizes": [2, 3, 1], "activation": ["tanh", "tanh"]}, "problem.activation"),
        ({"sizes": [2, 3, 1], "head": "argmax"}, "problem.head"),
    ],
)
def test_bad_mlp_settings_are_refused_by_name(kwargs: dict, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        MLP(**kwargs)
    assert err.value.field == field
