"""Data with k features: tables from points and CSV, refusals naming the row and column, standardisation,
TensorFlow-Playground input features, the built-in tables and the 3-feature set."""

import numpy as np
import pytest

from engine.datasets import DataError
from engine.datasets2d import DATA_DIR
from engine.netdata import make_data
from engine.network_build import build_network
from engine.tables import MAX_FEATURES, MAX_ROWS


def csv_of(header: list[str], rows: list[list[object]]) -> str:
    return "\n".join([",".join(header)] + [",".join(str(v) for v in r) for r in rows]) + "\n"


def test_csv_with_named_target_and_any_number_of_features() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5)) * [1, 10, 100, 0.1, 3] + [0, 5, -50, 1, 2]
    y = (X[:, 0] > 0).astype(int)
    header = ["a", "b", "label", "c", "d", "e"]  # the target may be any column
    text = csv_of(header, [[*r[:2], int(t), *r[2:]] for r, t in zip(X, y, strict=True)])
    d = make_data({"csv": text, "test_ratio": 0.0})
    assert d.inputs == 5 and d.columns == ("a", "b", "c", "d", "e") and d.target == "label" and d.classes == 2
    np.testing.assert_allclose(d.raw_train, X)
    assert d.mean is not None and d.std is not None  # on by default for CSV
    np.testing.assert_allclose(d.mean, X.mean(axis=0))
    np.testing.assert_allclose(d.train.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.train.X.std(axis=0), 1)
    assert d.info()["standardize"] == {"mean": d.mean.tolist(), "std": d.std.tolist()}
    raw = make_data({"csv": text, "test_ratio": 0.0, "standardize": False})
    assert raw.mean is None and np.array_equal(raw.train.X, X)
    # A chosen target, as regression; the former label is then a feature.
    r = make_data({"csv": text, "target": "e", "task": "regression", "test_ratio": 0.0})
    assert r.task == "regression" and r.target == "e" and r.columns == ("a", "b", "label", "c", "d")
    np.testing.assert_allclose(r.train.y, X[:, 4])


def test_points_with_k_features_and_names() -> None:
    pts = [[i, i * i % 7, (i * 3) % 5, i % 3] for i in range(12)]
    d = make_data({"points": pts, "columns": ["u", "v", "w"], "test_ratio": 0.25})
    assert d.inputs == 3 and d.classes == 3 and d.columns == ("u", "v", "w") and d.mean is None
    assert d.train.n == 9 and d.test.n == 3
    r = make_data({"points": [[0, 1, 0.5], [1, 0, 2.5], [2, 2, 1.5]], "task": "regression", "test_ratio": 0.0})
    assert r.task == "regression" and r.inputs == 2 and r.target == "y"


ROWS = [[0, 0, 0], [1, 2, 1], [2, 1, 0], [3, 5, 1]]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"csv": "a,b,label\n0,1,0\n1,2\n"}, r"CSV row 2 \(line 3\) has 2 cells, the header 3"),
        ({"csv": "a,b,label\n0,1,0\n1,two,1\n"}, r"CSV row 2 \(line 3\), column b: 'two' is not a number"),
        ({"csv": "a,b,label\n0,1,0\n1,nan,1\n"}, r"CSV row 2 \(line 3\), column b: nan is refused"),
        ({"csv": "a,b,label\n0,1,0\n\n1,3,1\n2,inf,0\n"}, r"CSV row 4 \(line 5\), column b: inf is refused"),
        ({"csv": "a,b,label\n0,1,1\n1,2,1\n"}, "column label: every row has label 1; need at least 2 classes"),
        ({"csv": "a,b,label\n0,1,0\n1,2,2\n"}, "column label: .*no row has label 1"),
        ({"csv": "a,b,label\n0,1,0\n1,2,1.5\n"}, r"CSV row 2 \(line 3\), column label: labels must be whole"),
        ({"csv": "a,b,label\n0,1,0\n1,2,-1\n"}, r"CSV row 2 \(line 3\), column label: labels must be whole"),
        ({"csv": "a,b,label\n0,7,0\n1,7,1\n"}, "column b is constant"),
        ({"csv": "a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(MAX_ROWS + 1))}, "too many rows"),
        ({"csv": ",".join(f"f{j}" for j in range(MAX_FEATURES + 1)) + ",label\n"
                 + "".join(",".join(str(i * j) for j in range(MAX_FEATURES + 1)) + f",{i % 2}\n" for i in range(3))},
         "too many features: 65"),
        ({"csv": "a,b,c\n1,2,3\n"}, "target column label"),
        ({"csv": "a,b,label\n1,2,0\n", "target": "z"}, "no column 'z'"),
        ({"csv": "a,a,label\n1,2,0\n"}, "names column 'a' twice"),
        ({"points": [[0, 0, 0], [1, 1, 1, 1]]}, "point 1 has 4 values, point 0 has 3"),
        ({"points": [[0, 0, 0], [1, "two", 1]]}, "point 1, column 1: 'two' is not a number"),
        ({"points": [[0, 3, 0], [1, 3, 1]]}, "column x2 is constant"),
        ({"points": ROWS, "features": ["x1", "x1_sq"]}, None),  # fine: two features
        ({"points": [[0, 1, 2, 0], [1, 0, 3, 1]], "features": ["x1"]}, "need data with 2 features"),
        ({"points": ROWS, "features": ["x1", "x3"]}, "unknown feature 'x3'"),
        ({"points": ROWS, "features": ["x1", "x1"]}, "twice"),
    ],
)
def test_bad_tables_are_refused_naming_row_and_column(spec: dict, message: str | None) -> None:
    if message is None:
        make_data(spec)
        return
    with pytest.raises(DataError, match=message):
        make_data(spec)


def test_playground_features_change_the_input_layer_and_the_counts() -> None:
    base = {"name": "circles", "n": 60, "noise": 0.0}
    feats = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    d = make_data({**base, "features": feats})
    assert d.inputs == 7 and d.input_names == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"]
    a, b = d.raw_train[:, 0], d.raw_train[:, 1]
    np.testing.assert_allclose(d.train.X, np.column_stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)]))
    net = build_network({"kind": "network", "layers": [7, 3, 1], "data": {**base, "features": feats}})
    assert net.mlp.counts() == {"neurons": 4, "weights": 7 * 3 + 3, "biases": 4, "params": 28}
    # x1² + x2² separates the circles alone: one input, one sigmoid unit.
    only = build_network({"kind": "network", "layers": [2, 1], "data": {**base, "features": ["x1_sq", "x2_sq"]}})
    assert only.info()["input_names"] == ["x1²", "x2²"] and only.info()["columns"] == ["x1", "x2"]


def test_built_in_tables() -> None:
    iris = make_data({"name": "iris", "test_ratio": 0.0})
    assert iris.train.n == 150 and iris.inputs == 4 and iris.classes == 3
    assert np.bincount(iris.train.y.astype(int)).tolist() == [50, 50, 50]
    assert iris.columns == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert iris.class_names == ("setosa", "versicolor", "virginica") and iris.mean is not None
    np.testing.assert_allclose(iris.raw_train[0], [5.1, 3.5, 1.4, 0.2])  # Fisher's first flower
    assert (DATA_DIR / "iris.csv").read_text().count("\n") == 151
    tips = make_data({"name": "tips", "test_ratio": 0.0})
    assert tips.task == "regression" and tips.train.n == 244 and tips.inputs == 6 and tips.target == "tip"
    np.testing.assert_allclose(tips.raw_train[0], [16.99, 2, 1, 0, 1, 1])
    np.testing.assert_allclose(tips.train.y[:2], [1.01, 1.66])
    sph = make_data({"name": "spheres", "n": 400, "noise": 0.0, "test_ratio": 0.0})
    r = np.linalg.norm(sph.train.X, axis=1)
    assert sph.inputs == 3 and r[sph.train.y == 1].max() <= 0.5 < 0.7 <= r[sph.train.y == 0].min() <= 1.0


def test_the_lecture_network_3_4_2_counts_and_trains() -> None:
    from engine.build import build_run

    run = build_run({"problem": {"kind": "network", "layers": [3, 4, 2], "head": "softmax",
                                 "data": {"name": "spheres", "n": 300}},
                     "optimizer": {"name": "adam", "lr": 0.05}, "stop": {"grad_norm": None, "max_steps": 800}})
    assert run.problem.mlp.counts() == {"neurons": 6, "weights": 20, "biases": 6, "params": 26}  # type: ignore
    start = run.problem.metrics(run.theta[0])["train_accuracy"]  # type: ignore[attr-defined]
    run.step(800)
    m = run.problem.metrics(run.theta[0])  # type: ignore[attr-defined]
    assert m["train_accuracy"] > 0.9 > start and m["test_accuracy"] > 0.85
