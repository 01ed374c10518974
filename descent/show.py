"""`run.show()`: a run's live charts in Jupyter, updated from its websocket while it plays.

The charts are plotly FigureWidgets (descent/charts.py) in an ipywidgets box: the loss curve, for a
2-parameter problem the loss surface with each racer's descent path, for a network its diagram and decision
regions. A background thread reads the run's stream (descent/stream.py) and redraws each figure once a frame,
so the notebook stays free while the run plays; `view.wait()` blocks until the run stops.
"""

from __future__ import annotations

import threading
from typing import Any

from descent import charts

MAX_POINTS = 4000  # points per line drawn (longer histories are thinned evenly, the newest point kept)


def thinned(values: list[Any], cap: int = MAX_POINTS) -> list[Any]:
    """At most `cap` of `values`, evenly spaced, the first and the last kept."""
    n = len(values)
    if n <= cap:
        return values
    stride = (n - 1) / (cap - 1)
    return [values[round(k * stride)] for k in range(cap)]


class LiveView:
    """The live charts of one run: `figures` by name, `frames` and `steps` received; display it in a cell."""

    def __init__(self, run: Any, surface_n: int = 60, grid_n: int = 40):
        state = run.state
        self.run = run
        self.network = state.problem.get("kind") == "network"
        self.grid_n = grid_n
        self.paths: list[dict[str, list[Any]]] = [{"t": [], "loss": [], "x": [], "y": []} for _ in state.racers]
        self.frames = 0
        self.steps = 0
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.stream: Any = None
        self.figures: dict[str, Any] = {"curve": charts.make_curve(state)}
        dim = len(state.racers[0].params or [])
        if not self.network and dim == 2:
            self.figures["landscape"] = charts.make_landscape(state, run.surface(n=surface_n))
        if self.network:
            self.figures["diagram"] = charts.make_diagram(run.network())
            grid = run.predict(n=grid_n).model_dump(exclude_none=True)
            self.figures["regions"] = charts.make_regions(run.data(), grid)
        self.widget = self._box()

    def _box(self) -> Any:
        import ipywidgets

        figs = list(self.figures.values())
        rows = [ipywidgets.HBox(figs[k:k + 2]) for k in range(0, len(figs), 2)]
        return ipywidgets.VBox(rows)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ----- updates ---------------------------------------------------------------------------------------
    def update(self, frame: dict[str, Any]) -> None:
        """Draw one message of the stream (hello, frame or reset): its steps, weights and grid."""
        if frame.get("type") in ("hello", "reset"):
            for path in self.paths:
                for column in path.values():
                    column.clear()
        for step in frame.get("steps", ()):
            i = step.get("racer", 0)
            while i >= len(self.paths):  # a racer added meanwhile
                self.paths.append({"t": [], "loss": [], "x": [], "y": []})
            path = self.paths[i]
            path["t"].append(step["t"])
            path["loss"].append(step["loss"])
            params = step.get("params") or [None, None]
            if len(params) == 2:
                path["x"].append(params[0])
                path["y"].append(params[1])
        self.frames += 1
        self.steps += len(frame.get("steps", ()))
        self.draw(frame)

    def draw(self, frame: dict[str, Any]) -> None:
        """Redraw every figure from what has arrived."""
        shown = [{k: thinned(v) for k, v in path.items()} for path in self.paths]
        charts.draw_curve(self.figures["curve"], shown)
        if "landscape" in self.figures:
            charts.draw_landscape(self.figures["landscape"], shown)
        if self.network and isinstance(frame.get("network"), dict):
            charts.draw_diagram(self.figures["diagram"], frame["network"]["layers"])
        if self.network and isinstance(frame.get("grid"), dict):
            charts.draw_regions(self.figures["regions"], frame["grid"])

    # ----- playing ---------------------------------------------------------------------------------------
    def start(self, speed: float | None) -> None:
        """Read the run's stream in a background thread (playing it at `speed` steps/s, or only watching)."""
        subscribe = {"grid_n": self.grid_n, "hidden": False} if self.network else None
        self.stream = self.run.stream(speed=speed, subscribe=subscribe)
        self.thread = threading.Thread(target=self._read, name=f"descent show {self.run.id[:8]}", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for frame in self.stream:
                self.update(frame)
        except ConnectionClosed:
            pass  # stopped by stop(), or the server went away
        except BaseException as exc:  # shown by wait()
            self.error = exc

    def wait(self, timeout: float | None = None) -> LiveView:
        """Block until the run stops playing (or `timeout` seconds); raise what went wrong in the stream."""
        if self.thread is not None:
            self.thread.join(timeout)
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        """Stop watching: close the stream (the server pauses the run when nobody else watches it)."""
        if self.stream is not None:
            self.stream.close()
        self.wait()

    @property
    def running(self) -> bool:
        """The stream is still being read."""
        return self.thread is not None and self.thread.is_alive()
