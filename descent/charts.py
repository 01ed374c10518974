"""The figures of `run.show()`, as plotly FigureWidgets: loss curve, loss surface with the descent paths, and
for a network its diagram and decision regions. Each `make_*` builds one figure; each `draw_*` updates it in
place (inside `batch_update`, so one message per figure reaches the notebook)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
HEIGHT = 340
EDGE_BINS = (0.5, 1.5)  # |w| thresholds between thin, medium and thick edges of the network diagram


def figure_widget(**layout: Any) -> Any:
    """A FigureWidget (plotly's notebook figure: needs ipywidgets and anywidget)."""
    try:
        import plotly.graph_objects as go

        fig = go.FigureWidget()
    except ImportError as exc:
        raise ImportError("run.show() needs the notebook extra: pip install 'descent[notebook]'") from exc
    fig.update_layout(height=HEIGHT, margin={"l": 50, "r": 10, "t": 40, "b": 40}, template="plotly_white",
                      uirevision="keep", **layout)
    return fig


def racer_name(state: Any, i: int) -> str:
    """A racer's label (its optimiser's, or the one it was given)."""
    optimizer = state.racers[i].optimizer or {}
    return str(optimizer.get("label") or optimizer.get("name") or f"racer {i}")


# ----- loss curve ----------------------------------------------------------------------------------------
def make_curve(state: Any) -> Any:
    """J(θₜ) against t, one line per racer, on a log scale."""
    fig = figure_widget(title="loss J(θₜ)", xaxis_title="t", yaxis_type="log")
    for i in range(len(state.racers)):
        fig.add_scatter(x=[], y=[], mode="lines", name=racer_name(state, i), line_color=COLOURS[i % len(COLOURS)])
    return fig


def draw_curve(fig: Any, paths: Sequence[dict[str, list[Any]]]) -> None:
    """Each racer's (t, loss) so far."""
    with fig.batch_update():
        for trace, path in zip(fig.data, paths, strict=False):
            trace.x, trace.y = path["t"], path["loss"]


# ----- loss surface and descent paths ------------------------------------------------------------------
def make_landscape(state: Any, surface: Any) -> Any:
    """Contours of J over the view box, with each racer's path (and where it is) drawn on them."""
    fig = figure_widget(title="J(θ) and the descent path", xaxis_title="θ₁", yaxis_title="θ₂", showlegend=False)
    fig.add_contour(x=surface.x, y=surface.y, z=surface.z, colorscale="Viridis", ncontours=30, showscale=False,
                    contours_coloring="lines", line_width=1, hoverinfo="skip")
    for i in range(len(state.racers)):
        colour = COLOURS[i % len(COLOURS)]
        fig.add_scatter(x=[], y=[], mode="lines", name=racer_name(state, i), line={"color": colour, "width": 2})
        fig.add_scatter(x=[], y=[], mode="markers", marker={"color": colour, "size": 9}, hoverinfo="skip")
    box = surface.box
    fig.update_xaxes(range=[box.x_min, box.x_max])
    fig.update_yaxes(range=[box.y_min, box.y_max])
    return fig


def draw_landscape(fig: Any, paths: Sequence[dict[str, list[Any]]]) -> None:
    """Each racer's θ path so far and its current θ."""
    with fig.batch_update():
        for i, path in enumerate(paths):
            line, dot = fig.data[1 + 2 * i], fig.data[2 + 2 * i]
            line.x, line.y = path["x"], path["y"]
            dot.x, dot.y = path["x"][-1:], path["y"][-1:]


# ----- a network: its diagram and its decision regions ----------------------------------------------------
def node_positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """(x, y) of every neuron: layer l at x = l, its units spread over y in [-1, 1]."""
    return [[(float(l), 0.0 if n == 1 else 1 - 2 * j / (n - 1)) for j in range(n)] for l, n in enumerate(sizes)]


def edges(layers: Sequence[dict[str, Any]], sign: int, low: float, high: float) -> tuple[list[Any], list[Any]]:
    """Segments (None-separated x and y) of the weights of this sign with low ≤ |w| < high."""
    sizes = [len(layers[0]["W"])] + [len(layer["b"]) for layer in layers]
    pos = node_positions(sizes)
    xs: list[Any] = []
    ys: list[Any] = []
    for l, layer in enumerate(layers):
        for i, row in enumerate(layer["W"]):  # W is (inputs × outputs)
            for j, w in enumerate(row):
                if w is not None and (w > 0) == (sign > 0) and low <= abs(w) < high:
                    (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                    xs += [x0, x1, None]
                    ys += [y0, y1, None]
    return xs, ys


EDGE_STYLES = [(sign, low, high, width) for sign in (1, -1)
               for low, high, width in ((0.0, EDGE_BINS[0], 0.8), (EDGE_BINS[0], EDGE_BINS[1], 2.0),
                                        (EDGE_BINS[1], float("inf"), 4.0))]


def make_diagram(network: Any) -> Any:
    """The network as the lecture draws it: neurons in layers, weights as edges (blue > 0, red < 0, thicker for
    larger |w|)."""
    fig = figure_widget(title="the network (blue w > 0, red w < 0)", showlegend=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[-1.2, 1.2])
    for sign, _, _, width in EDGE_STYLES:
        fig.add_scatter(x=[], y=[], mode="lines", hoverinfo="skip",
                        line={"color": "#1f77b4" if sign > 0 else "#d62728", "width": width})
    pos = [p for layer in node_positions(network.sizes) for p in layer]
    fig.add_scatter(x=[p[0] for p in pos], y=[p[1] for p in pos], mode="markers", hoverinfo="skip",
                    marker={"size": 16, "color": "white", "line": {"color": "#333", "width": 1.5}})
    draw_diagram(fig, network.model_dump()["layers"])
    return fig


def draw_diagram(fig: Any, layers: Sequence[dict[str, Any]]) -> None:
    """The edges at these weights."""
    with fig.batch_update():
        for trace, (sign, low, high, _) in zip(fig.data, EDGE_STYLES, strict=False):
            trace.x, trace.y = edges(layers, sign, low, high)


def make_regions(data: Any, grid: dict[str, Any]) -> Any:
    """The network's output over the input plane (or its fitted curve, one input), with the training data."""
    X, y = data.train.X, data.train.y
    fig = figure_widget(title="fitted curve" if data.inputs == 1 else "decision regions", showlegend=False)
    if data.inputs == 1:
        fig.add_scatter(x=[row[0] for row in X], y=y, mode="markers", marker={"size": 4, "color": "#555"})
        fig.add_scatter(x=grid["x"], y=grid["y"], mode="lines", line={"width": 3, "color": COLOURS[0]})
        return fig
    classes = data.classes or 2
    fig.add_heatmap(x=grid["x"], y=grid["y"], z=regions(grid), colorscale="Portland", zmin=0,
                    zmax=classes - 1 if "label" in grid else 1, opacity=0.55, showscale=False, hoverinfo="skip")
    fig.add_scatter(x=[row[0] for row in X], y=[row[1] for row in X], mode="markers",
                    marker={"size": 6, "color": y, "colorscale": "Portland", "cmin": 0, "cmax": classes - 1,
                            "line": {"color": "white", "width": 0.5}})
    return fig


def regions(grid: dict[str, Any]) -> Any:
    """What the heatmap shows: the class (several outputs), else the output (P(class 1) for a sigmoid head)."""
    return grid["label"] if "label" in grid else grid["z"]


def draw_regions(fig: Any, grid: dict[str, Any]) -> None:
    """The output at the latest weights."""
    with fig.batch_update():
        if "z" in grid:
            trace = fig.data[0]
            trace.x, trace.y, trace.z = grid["x"], grid["y"], regions(grid)
        else:
            trace = fig.data[1]
            trace.x, trace.y = grid["x"], grid["y"]
