"""Data for linear regression: generated, points and CSV, with bad data refused by name."""

import numpy as np
import pytest

from engine.datasets import MAX_POINTS, DataError, LineConfig, make_line, parse_csv, validate_points


def test_generated_line_is_seeded_and_follows_the_model() -> None:
    a = make_line(LineConfig(n=500, slope=3, intercept=2, noise=0.1, seed=4))
    b = make_line(LineConfig(n=500, slope=3, intercept=2, noise=0.1, seed=4))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    slope, intercept = np.polyfit(a.X[:, 0], a.y, 1)
    assert slope == pytest.approx(3, abs=0.1) and intercept == pytest.approx(2, abs=0.1)
    assert make_line(LineConfig(seed=5)).y[0] != a.y[0]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0, 1], [float("nan"), 2]], "non-finite x"),
        ([[0, 1], [1, float("inf")]], "non-finite y"),
        ([[0, "a"], [1, 2]], "must be numbers"),
        ([[0, 1]], "at least 2 points"),
        ([[1, 1], [1, 2], [1, 3]], "all x values are equal"),
        ([[1, 2, 3], [4, 5, 6]], "rows of 2 numbers"),
    ],
)
def test_bad_points_are_refused_with_a_reason(points: list, message: str) -> None:
    with pytest.raises(DataError, match=message):
        validate_points(points)


def test_too_many_points_are_refused() -> None:
    with pytest.raises(DataError, match="too many points"):
        validate_points(np.ones((MAX_POINTS + 1, 2)) * np.arange(2))
    with pytest.raises(DataError, match="between 2 and"):
        make_line(LineConfig(n=MAX_POINTS + 1))


def test_csv_parses_with_header_in_any_order() -> None:
    d = parse_csv("y,x\n2.5,0.1\n3.5,0.5\n\n4,0.9\n")
    np.testing.assert_allclose(d.X[:, 0], [0.1, 0.5, 0.9])
    np.testing.assert_allclose(d.y, [2.5, 3.5, 4])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a,b\n1,2\n3,4", "must name the columns x,y"),
        ("x,y\n1,2\n3,oops", "line 3"),
        ("x,y\n1,2\n3,nan", "non-finite y"),
        ("x,y\n1,2", "at least 2 points"),
    ],
)
def test_bad_csv_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_csv(text)
