"""The backprop inspector's table: against the lecture's hand-derived formulas and against finite differences."""

import json

import numpy as np
import pytest

from engine import backprop_fd
from engine.backprop import backprop_table
from engine.backprop_fd import fd_gradients, one_blas_thread
from engine.build import build_problem
from engine.losses import objective_value
from engine.network import NetworkProblem
from engine.settings import SettingsError
from tests.engine.test_nn import rel_err

XOR = {"name": "xor", "n": 60, "noise": 0.1, "seed": 0}


def net(**spec) -> NetworkProblem:
    p = build_problem({"kind": "network", "init": "normal", "init_sigma": 0.8, **spec})
    assert isinstance(p, NetworkProblem)
    return p


def rows(table: dict) -> list[dict]:
    return [r for st in table["stages"] for side in ("forward", "backward") for r in st[side]["rows"]]


def by_symbol(table: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in rows(table):
        assert r["symbol"] not in out, f"symbol {r['symbol']} appears twice"
        out[r["symbol"]] = r
    return out


def single_example_fd(p: NetworkProblem, theta: np.ndarray, i: int, h: float = 1e-6) -> np.ndarray:
    """Central differences of example i's loss by perturbing θ itself, all 2d vectors through loss_grad in one call."""
    d = p.dim
    T = np.concatenate([theta + h * np.eye(d), theta - h * np.eye(d)])
    J = p.loss_grad(T, np.array([i]))[0]
    return (J[:d] - J[d:]) / (2 * h)


def test_two_layer_sigmoid_bce_matches_the_lecture_table_written_out_by_hand() -> None:
    p = net(layers=[2, 3, 1], activation="sigmoid", head="sigmoid", loss="bce", data=XOR)
    theta = np.random.default_rng(1).standard_normal(p.dim)
    i = 7
    T = backprop_table(p, theta, i)
    assert T["lecture"] is True and T["loss"] == "bce"
    # The flat layout: α (2 × 3, row-major: α_ji = W1[i, j]), b (3), β (3 × 1), β_0.
    alpha, b1 = theta[:6].reshape(2, 3), theta[6:9]
    beta, beta0 = theta[9:12], theta[12]
    x, ystar = p.X[i], p.T[i, 0]
    a = np.array([sum(alpha[ii, j] * x[ii] for ii in range(2)) + b1[j] for j in range(3)])  # a_j = Σ α_ji x_i + b_j
    z = 1 / (1 + np.exp(-a))
    bb = float(beta @ z + beta0)
    y = 1 / (1 + np.exp(-bb))
    J = -(ystar * np.log(y) + (1 - ystar) * np.log(1 - y))
    g_y = -(ystar / y + (1 - ystar) / (y - 1))  # the minimised loss: minus the lecture table's g_y
    g_b = g_y * y * (1 - y)
    g_beta, g_beta0 = g_b * z, g_b
    g_z = g_b * beta
    g_a = g_z * z * (1 - z)
    g_alpha = np.outer(g_a, x)  # [j, i] = g_a_j x_i
    g_x = np.array([sum(g_a[j] * alpha[ii, j] for j in range(3)) for ii in range(2)])
    S = by_symbol(T)

    def close(symbol: str, value: float) -> None:
        assert S[symbol]["value"] == pytest.approx(value, rel=1e-10, abs=1e-13), symbol

    for k in range(2):
        close(f"x_{k + 1}", x[k])
        close(f"g_x_{k + 1}", g_x[k])
    for j in range(3):
        close(f"a_{j + 1}", a[j])
        close(f"z_{j + 1}", z[j])
        close(f"g_β_{j + 1}", g_beta[j])
        close(f"g_z_{j + 1}", g_z[j])
        close(f"g_a_{j + 1}", g_a[j])
        close(f"g_b^(1)_{j + 1}", g_a[j])
        for k in range(2):
            close(f"g_α_{j + 1}{k + 1}", g_alpha[j, k])
            assert S[f"g_α_{j + 1}{k + 1}"]["id"] == {"kind": "edge", "layer": 1, "from": k, "to": j}
        assert S[f"g_β_{j + 1}"]["id"] == {"kind": "edge", "layer": 2, "from": j, "to": 0}
    for sym, v in (("b", bb), ("y", y), ("J", J), ("y*", ystar), ("g_y", g_y), ("g_b", g_b), ("g_β_0", g_beta0)):
        close(sym, v)
    # The lecture's own g_y (of the log-likelihood) is the negative of the table's, as the note says.
    assert ystar / y + (1 - ystar) / (y - 1) == pytest.approx(-S["g_y"]["value"], rel=1e-12)
    assert "log-likelihood" in T["note"]
    assert [st["stage"] for st in T["stages"]] == ["loss", "head", "linear", "activation", "linear", "input"]


CONFIGS = [
    {"layers": [2, 3, 1], "activation": "sigmoid", "head": "sigmoid", "loss": "bce", "data": XOR},
    {"layers": [2, 5, 4, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce", "data": XOR},
    {"layers": [2, 6, 5, 3], "activation": "relu", "head": "softmax", "loss": "ce",
     "data": {"name": "blobs", "n": 50, "classes": 3}},
    {"layers": [2, 4, 3], "activation": ["tanh"], "head": "softmax", "loss": "quadratic",
     "data": {"name": "spiral", "n": 40, "classes": 3}},
    {"layers": [2, 4, 4, 4, 1], "activation": ["tanh", "relu", "sigmoid"], "head": "sigmoid", "loss": "quadratic",
     "data": XOR},
    {"layers": [1, 6, 1], "activation": "tanh", "head": "identity", "loss": "quadratic",
     "data": {"name": "sine", "n": 40}},
    {"layers": [2, 1], "head": "sigmoid", "loss": "bce", "data": {"name": "linear", "n": 40}},
]


@pytest.mark.parametrize("spec", CONFIGS)
def test_every_gradient_agrees_with_finite_differences(spec: dict) -> None:
    p = net(**spec)
    theta = p.default_start()
    for i in (0, 5):
        T = backprop_table(p, theta, i)
        params = [r for r in rows(T) if "param" in r]
        assert sorted(r["param"] for r in params) == list(range(p.dim))  # every parameter exactly once
        assert T["fd"]["checked"] == p.dim + p.mlp.inputs
        assert T["fd"]["max_rel_error"] < 1e-5
        assert all(r["rel_error"] < 1e-5 for r in rows(T) if "rel_error" in r)
        g = np.zeros(p.dim)
        for r in params:
            g[r["param"]] = r["value"]
            assert r["param_name"] == p.param_names[r["param"]]
            kind = r["id"]["kind"]
            name = f"W{r['id']['layer']}[{r['id']['from']},{r['id']['to']}]" if kind == "edge" else (
                f"b{r['id']['layer']}[{r['id']['unit']}]")
            assert r["param_name"] == name  # the diagram id names the same weight
        # Independently: finite differences that perturb θ itself, through the training loss on example i.
        assert rel_err(g, single_example_fd(p, theta, i)) < 1e-7
        assert rel_err(g, p.loss_grad(theta[None], np.array([i]))[1][0]) < 1e-12


def test_input_gradient_against_finite_differences_of_the_input() -> None:
    p = net(layers=[2, 5, 4, 1], activation="tanh", head="sigmoid", loss="bce", data=XOR)
    theta = p.default_start()
    T = backprop_table(p, theta, 3)
    gx = [r["value"] for r in rows(T) if r["quantity"] == "grad_input"]
    x, t, h = p.X[3], p.T[3:4], 1e-6
    fd = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        J = [objective_value(p.loss_fn, p.head, p.mlp.forward_many(theta[None], (x + s * e)[None], head=False), t)[0]
             for s in (1, -1)]
        fd.append((J[0] - J[1]) / (2 * h))
    assert rel_err(np.array(gx), np.array(fd)) < 1e-7


def test_fd_gradients_matches_brute_force_on_every_parameter() -> None:
    p = net(layers=[2, 4, 3], activation="relu", head="softmax", loss="ce",
            data={"name": "blobs", "n": 30, "classes": 3})
    theta = p.default_start()
    g, _ = fd_gradients(p, theta, 2)
    assert rel_err(g, single_example_fd(p, theta, 2)) < 1e-7


def test_fd_shared_over_two_threads_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    p = net(layers=[2, 16, 16, 16, 3], activation="tanh", head="softmax", loss="ce",
            data={"name": "blobs", "n": 30, "classes": 3})
    theta = p.default_start()
    monkeypatch.setattr(backprop_fd, "SPLIT_WORK", 10**18)  # every block in this thread
    alone = fd_gradients(p, theta, 4)
    monkeypatch.setattr(backprop_fd, "SPLIT_WORK", 0)  # shared with engine/kernels_grid.py's pool (2 cores or more)
    shared = fd_gradients(p, theta, 4)
    assert np.array_equal(alone[0], shared[0]) and np.array_equal(alone[1], shared[1])
    assert rel_err(shared[0], single_example_fd(p, theta, 4)) < 1e-7


def blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_finite_differences_run_on_one_blas_thread_and_restore_the_count_after() -> None:
    before = blas_threads()
    assert before  # NumPy's BLAS is seen
    with one_blas_thread():
        with one_blas_thread():  # nested (or another request's table meanwhile): one limit, restored once
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_deeper_networks_use_layer_superscripts_and_several_outputs_use_k() -> None:
    p = net(layers=[2, 3, 2, 3], activation="tanh", head="softmax", loss="ce",
            data={"name": "blobs", "n": 30, "classes": 3})
    T = backprop_table(p, p.default_start(), 0)
    S = by_symbol(T)
    assert T["lecture"] is False
    for sym in ("a^(1)_3", "z^(2)_2", "g_α^(2)_21", "g_b^(2)_2", "b_3", "y_1", "g_β_32", "g_β_30", "g_y_2", "y*_3"):
        assert sym in S, sym
    linear = [st for st in T["stages"] if st["stage"] == "linear"]
    assert [st["layer"] for st in linear] == [3, 2, 1]
    assert linear[0]["forward"]["formula"] == "b_k = Σ_j β_kj z^(2)_j + β_k0"


def test_json_and_bad_input() -> None:
    p = net(layers=[2, 3, 1], activation="sigmoid", head="sigmoid", loss="bce", data=XOR)
    T = backprop_table(p, p.default_start(), 0)
    json.dumps(T, allow_nan=False)
    assert p.n_train is not None
    with pytest.raises(SettingsError):
        backprop_table(p, p.default_start(), p.n_train)
    with pytest.raises(SettingsError):
        backprop_table(p, np.zeros(3), 0)
    assert backprop_table(p, p.default_start(), 0, fd=False)["fd"] is None


@pytest.mark.parametrize("sizes", [[2, 3, 1], [2, 12, 3], [11, 4, 10, 1], [3, 12, 12, 12]])
def test_the_weight_symbols_of_a_layer_are_each_weights_own(sizes: list[int]) -> None:
    from engine.backprop import _Names

    names = _Names(sizes)
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        jj = [str(j + 1) if l < len(sizes) - 1 or sizes[-1] > 1 else "" for j in range(n_out)]
        expected = [names.weight(l, i + 1, jj[j]) for j in range(n_out) for i in range(n_in)]
        assert names.weights(l, n_in, jj) == expected
