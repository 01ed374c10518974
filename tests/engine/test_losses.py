"""Losses: the lecture's formulas, gradients through every head, fused logit forms and stability."""

import numpy as np
import pytest

from engine.activations import HEADS, sigmoid, softmax
from engine.losses import LOSSES, bce_logits, ce_logits, check_pairing, objective, objective_value
from engine.settings import SettingsError
from tests.engine.test_nn import fd, rel_err

PAIRS = [(loss, head) for loss in LOSSES for head in LOSSES[loss].heads]


def targets(rng: np.random.Generator, head: str, n: int, k: int) -> np.ndarray:
    """Targets a head's outputs are compared with: 0/1, one-hot rows, or real values."""
    if head == "sigmoid":
        return (rng.random((n, k)) < 0.5).astype(float)
    if head == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    return rng.standard_normal((n, k))


def test_every_sensible_pairing_is_listed() -> None:
    assert sorted(PAIRS) == sorted([("quadratic", "sigmoid"), ("quadratic", "softmax"), ("quadratic", "identity"),
                                    ("bce", "sigmoid"), ("ce", "softmax")])


SHAPES = [(1, 1), (7, 1), (5, 3), (9, 4)]  # (examples, outputs); softmax needs 2 outputs or more


@pytest.mark.parametrize(("loss", "head", "n", "k"),
                         [(lo, h, n, k) for lo, h in PAIRS for n, k in SHAPES if h != "softmax" or k > 1])
def test_objective_gradient_wrt_logits_matches_finite_differences(loss: str, head: str, n: int, k: int) -> None:
    rng = np.random.default_rng(n * 10 + k)
    z = rng.standard_normal((n, k)) * 2
    t = targets(rng, head, n, k)
    J, g = objective(LOSSES[loss], HEADS[head], z, t)
    assert g.shape == z.shape
    assert rel_err(g, fd(lambda: objective(LOSSES[loss], HEADS[head], z, t)[0], z)) < 1e-6
    np.testing.assert_allclose(objective_value(LOSSES[loss], HEADS[head], z[None, None], t), [[J]], rtol=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_derivative_wrt_output_matches_finite_differences(name: str) -> None:
    rng = np.random.default_rng(7)
    y = rng.uniform(0.05, 0.95, (6, 3))
    t = np.eye(3)[rng.integers(0, 3, 6)]
    loss = LOSSES[name]
    assert rel_err(loss.grad(y, t), fd(lambda: float(loss.value(y, t).sum()), y)) < 1e-6


def test_lecture_formulas() -> None:
    y, t = np.array([[0.8]]), np.array([[1.0]])
    assert LOSSES["quadratic"].value(y, t)[0] == pytest.approx(0.5 * 0.2**2)  # ½(y − y⁽ⁱ⁾)²
    assert LOSSES["quadratic"].grad(y, t)[0, 0] == pytest.approx(-0.2)  # y − y⁽ⁱ⁾
    assert LOSSES["bce"].value(y, t)[0] == pytest.approx(-np.log(0.8))
    y0, t0 = np.array([[0.3]]), np.array([[0.0]])
    assert LOSSES["bce"].value(y0, t0)[0] == pytest.approx(-np.log(0.7))
    assert LOSSES["bce"].grad(y0, t0)[0, 0] == pytest.approx(-(0 / 0.3 + 1 / (0.3 - 1)))  # −(t/y + (1−t)/(y−1))
    p = np.array([[0.2, 0.5, 0.3]])
    assert LOSSES["ce"].value(p, np.array([[0.0, 1.0, 0.0]]))[0] == pytest.approx(-np.log(0.5))


def test_fused_forms_equal_the_plain_ones() -> None:
    rng = np.random.default_rng(8)
    z = rng.standard_normal((20, 1)) * 3
    t = (rng.random((20, 1)) < 0.5).astype(float)
    ell, g = bce_logits(z, t)
    np.testing.assert_allclose(ell, LOSSES["bce"].value(sigmoid(z), t), rtol=1e-10)
    np.testing.assert_allclose(g, sigmoid(z) - t, rtol=1e-12)  # ∂ℓ/∂b = y − y⁽ⁱ⁾
    z3 = rng.standard_normal((20, 4)) * 3
    t3 = np.eye(4)[rng.integers(0, 4, 20)]
    ell3, g3 = ce_logits(z3, t3)
    np.testing.assert_allclose(ell3, LOSSES["ce"].value(softmax(z3), t3), rtol=1e-10)
    np.testing.assert_allclose(g3, softmax(z3) - t3, atol=1e-15)


@pytest.mark.parametrize(("loss", "head"), PAIRS)
def test_large_logits_give_finite_losses_and_gradients(loss: str, head: str) -> None:
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0], [-1000.0, -1000.0]])
    rng = np.random.default_rng(9)
    t = targets(rng, head, 4, 2)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        J, g = objective(LOSSES[loss], HEADS[head], z, t)
    assert np.isfinite(J) and np.all(np.isfinite(g))


def test_cross_entropies_of_confident_wrong_answers_are_large_not_infinite() -> None:
    J, g = objective(LOSSES["bce"], HEADS["sigmoid"], np.array([[-1000.0]]), np.array([[1.0]]))
    assert J == pytest.approx(1000.0) and g[0, 0] == pytest.approx(-1.0)
    J, g = objective(LOSSES["ce"], HEADS["softmax"], np.array([[1000.0, -1000.0]]), np.array([[0.0, 1.0]]))
    assert J == pytest.approx(2000.0)
    np.testing.assert_allclose(g, [[1.0, -1.0]])


@pytest.mark.parametrize(
    ("loss", "head", "outputs", "words"),
    [
        ("ce", "sigmoid", 1, "softmax head"),
        ("bce", "identity", 1, "sigmoid head"),
        ("bce", "softmax", 3, "sigmoid head"),
        ("ce", "identity", 3, "softmax head"),
        ("ce", "softmax", 1, "K ≥ 2"),
        ("hinge", "sigmoid", 1, "unknown loss"),
    ],
)
def test_nonsense_pairings_are_refused_naming_problem_loss(loss: str, head: str, outputs: int, words: str) -> None:
    with pytest.raises(SettingsError, match=words) as err:
        check_pairing(loss, head, outputs)
    assert err.value.field == "problem.loss"


def test_quadratic_on_a_sigmoid_head_is_allowed_and_flat_when_saturated() -> None:
    check_pairing("quadratic", "sigmoid", 1)
    # The lecture's point: with a saturated sigmoid the quadratic loss barely moves, cross-entropy does.
    z, t = np.array([[-10.0]]), np.array([[1.0]])
    gq = objective(LOSSES["quadratic"], HEADS["sigmoid"], z, t)[1]
    gb = objective(LOSSES["bce"], HEADS["sigmoid"], z, t)[1]
    assert abs(gq[0, 0]) < 1e-4 < 0.99 < abs(gb[0, 0])
