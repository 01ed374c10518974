"""Data for networks: generators, the train/test split, user points and CSV, bad data refused by name."""

import numpy as np
import pytest

from engine.datasets import DataError
from engine.datasets2d import DATASETS2D, MAX_POINTS, TEST_RATIO
from engine.netdata import make_data, split
from engine.settings import SettingsError

GENERATED = [name for name, g in DATASETS2D.items() if any(s.name == "n" for s in g.settings)]


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_seeded_sized_and_labelled(name: str) -> None:
    gen = DATASETS2D[name]
    a = make_data({"name": name, "n": 101, "seed": 3})
    b = make_data({"name": name, "n": 101, "seed": 3})
    np.testing.assert_array_equal(a.train.X, b.train.X)
    np.testing.assert_array_equal(a.test.y, b.test.y)
    assert not np.array_equal(a.train.X, make_data({"name": name, "n": 101, "seed": 4}).train.X)
    assert a.train.n + a.test.n == 101 and a.test.n == round(TEST_RATIO * 101)
    assert a.inputs == gen.inputs and a.task == gen.task and a.name == name
    assert np.all(np.isfinite(a.train.X)) and np.abs(a.train.X).max() < 5
    if gen.task == "classification":
        y = np.concatenate([a.train.y, a.test.y])
        k = a.classes
        assert k is not None and set(np.unique(y).astype(int)) == set(range(k))
    else:
        assert a.classes is None
    assert {s.name for s in gen.settings} >= {"n", "noise", "seed", "test_ratio"}


@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_k_class_generators_take_classes(name: str) -> None:
    d = make_data({"name": name, "n": 250, "classes": 5})
    assert d.classes == 5
    counts = np.bincount(np.concatenate([d.train.y, d.test.y]).astype(int))
    assert counts.tolist() == [50] * 5


def test_xor_and_circles_have_the_promised_shape() -> None:
    xor = make_data({"name": "xor", "n": 400, "noise": 0.0, "test_ratio": 0.0})
    X, y = xor.train.X, xor.train.y
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(float))
    circ = make_data({"name": "circles", "n": 400, "noise": 0.0, "test_ratio": 0.0})
    r = np.linalg.norm(circ.train.X, axis=1)
    assert r[circ.train.y == 1].max() <= 0.5 < 0.7 <= r[circ.train.y == 0].min()
    sine = make_data({"name": "sine", "n": 300, "noise": 0.0})
    np.testing.assert_allclose(sine.train.y, np.sin(sine.train.X[:, 0]))


def test_linear_is_separable_without_noise() -> None:
    d = make_data({"name": "linear", "n": 500, "noise": 0.0, "test_ratio": 0.0, "seed": 7})
    # Perceptron algorithm: it converges (makes no mistakes in a pass) exactly when the data are separable.
    Xa = np.column_stack([d.train.X, np.ones(d.train.n)])
    s = 2 * d.train.y - 1
    w = np.zeros(3)
    for _ in range(1000):
        wrong = np.nonzero(s * (Xa @ w) <= 0)[0]
        if not len(wrong):
            break
        w += s[wrong[0]] * Xa[wrong[0]]
    assert not len(np.nonzero(s * (Xa @ w) <= 0)[0])


def test_split_is_seeded_disjoint_and_complete() -> None:
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    tr, te = split(X, y, 0.3, seed=1)
    assert te.n == 3 and tr.n == 7
    assert sorted(np.concatenate([tr.y, te.y]).tolist()) == y.tolist()
    np.testing.assert_array_equal(tr.X[:, 0], 2 * tr.y)  # rows stay paired
    np.testing.assert_array_equal(split(X, y, 0.3, seed=1)[1].y, te.y)
    assert split(X, y, 0.0, seed=1)[1].n == 0
    assert split(X[:2], y[:2], 0.9, seed=0)[0].n == 1  # at least one point stays for training
    with pytest.raises(DataError, match="below 1"):
        split(X, y, 1.0, seed=0)


def test_user_points_classification_and_regression() -> None:
    pts = [[0.0, 0.0, 0], [1.0, 0.0, 1], [0.0, 1.0, 2], [1.0, 1.0, 1], [0.5, 0.5, 0]]
    d = make_data({"points": pts, "test_ratio": 0.4, "seed": 2})
    assert d.task == "classification" and d.classes == 3 and d.name == "points"
    assert d.train.n == 3 and d.test.n == 2
    r = make_data({"points": [[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]], "test_ratio": 0.0})
    assert r.task == "regression" and r.classes is None and r.inputs == 1 and r.train.n == 3


def test_csv_classification_and_regression() -> None:
    d = make_data({"csv": "x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n", "test_ratio": 0.0})
    assert d.task == "classification" and d.classes == 2 and d.train.n == 4
    np.testing.assert_array_equal(d.train.y, [0, 1, 1, 0])
    r = make_data({"csv": "y,x\n1,0\n2,1\n3,2\n"})
    assert r.task == "regression" and r.train.n + r.test.n == 3
    np.testing.assert_array_equal(np.sort(r.raw_all()[:, 0]), [0, 1, 2])
    assert r.mean is not None and r.std is not None  # a CSV is standardised by default, on the training rows
    np.testing.assert_allclose(r.train.X, (r.raw_train - r.mean) / r.std)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"points": [[0, 0, 0], [float("nan"), 1, 1]]}, "point 1, column x1: nan is refused"),
        ({"points": [[0, 0, 0], [1, float("inf"), 1]]}, "point 1, column x2: inf is refused"),
        ({"points": [[0, 0, 0], [1, 1, "one"]]}, "point 1, column 2: 'one' is not a number"),
        ({"points": [[0, 0, 1]]}, "at least 2 rows"),
        ({"points": [[0, 0, 0], [1, 1, 0.5]]}, "point 1, column label: labels must be whole numbers"),
        ({"points": [[0, 0, 0], [1, 1, -1]]}, "whole numbers"),
        ({"points": [[0, 0, 1], [1, 1, 1]]}, "every row has label 1; need at least 2 classes"),
        ({"points": [[0, 0, 0], [1, 1, 2]]}, "no row has label 1"),
        ({"points": [[0, 0, 0], [1, 1, 10]]}, "point 1, column label: too many classes"),
        ({"points": [[0, 0, 0, 1], [1, 1, 1]]}, "point 1 has 3 values, point 0 has 4"),
        ({"points": [[0, 0, i % 2] for i in range(MAX_POINTS + 1)]}, "too many rows"),
        ({"csv": "a,b\n1,2\n"}, "target column label"),
        ({"csv": ""}, "empty"),
        ({"csv": "x1,x2,label\n0,0,0\n1,x,1\n"}, "CSV row 2 \\(line 3\\), column x2: 'x' is not a number"),
        ({"csv": 5}, "text of a CSV"),
        ({"name": "swirl"}, "unknown data set"),
    ],
)
def test_bad_data_is_refused_with_a_reason(spec: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        make_data(spec)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"name": "xor", "n": MAX_POINTS + 1}, "problem.data.n"),
        ({"name": "xor", "n": 1}, "problem.data.n"),
        ({"name": "xor", "noise": -1}, "problem.data.noise"),
        ({"name": "xor", "classes": 3}, "problem.data.classes"),
        ({"name": "spiral", "classes": 11}, "problem.data.classes"),
        ({"name": "moons", "test_ratio": 1.0}, "problem.data.test_ratio"),
        ({"points": [[0, 0, 0], [1, 1, 1]], "noise": 0.1}, "problem.data.noise"),
    ],
)
def test_bad_generator_settings_name_the_field(spec: dict, field: str) -> None:
    with pytest.raises(SettingsError) as err:
        make_data(spec)
    assert err.value.field == field
