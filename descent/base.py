"""The client's operations, written once for the blocking and the asyncio client.

Each method names its REST operation (descent/ops.py) and what to do with the answer; `_call` is the
transport's: descent/client.py returns the value, descent/aclient.py an awaitable of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from descent.ops import read

Then = Callable[[Any], Any] | None


def body_of(spec: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """A request body from a dict or a pydantic model (only the fields set) and keyword fields (None: left out)."""
    if isinstance(spec, BaseModel):
        body = spec.model_dump(mode="json", exclude_unset=True)
    else:
        body = dict(spec or {})
    body.update({k: v for k, v in fields.items() if v is not None})
    return body


def answer(op_id: str, response: Any, raw: bool, then: Then) -> Any:
    """What one operation's checked response (an httpx.Response) gives: its text (`raw`) or its JSON read as the
    operation's model (descent/ops.py), passed through `then` (both clients read answers here)."""
    value = response.text if raw else read(op_id, response.json() if response.content else None)
    return then(value) if then is not None else value


class ClientOps:
    """Operations that need no run: create and list runs, saved runs, lessons, the registry and health."""

    token: str | None

    def auth_headers(self) -> dict[str, str]:
        """Headers every request carries (the token)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _call(self, op_id: str, *, path: dict[str, Any] | None = None, json: Any = None,
              params: dict[str, Any] | None = None, raw: bool = False, then: Then = None) -> Any:
        raise NotImplementedError

    def _run(self, state: Any) -> Any:
        raise NotImplementedError  # a Run (or AsyncRun) of this client

    def create(self, spec: Any = None, /, *, problem: Any = None, optimizer: Any = None, racers: Any = None,
               stop: Any = None, start: Sequence[float] | None = None, seed: int | None = None) -> Any:
        """A new run: {problem, optimizer | racers, stop, start, seed} as a dict, a CreateRun model or keywords
        (all optional: `create()` is generated data, gd, lr 0.1)."""
        body = body_of(spec, {"problem": problem, "optimizer": optimizer, "racers": racers, "stop": stop,
                              "start": None if start is None else list(start), "seed": seed})
        return self._call("create_run_api_runs_post", json=body, then=self._run)

    def runs(self) -> Any:
        """The runs this client (IP address) created, oldest first."""
        return self._call("list_runs_api_runs_get")

    def import_run(self, doc: Any) -> Any:
        """A new run replayed from a run document (Run.export() or Run.config())."""
        return self._call("import_run_api_runs_import_post", json=body_of(doc, {}), then=self._run)

    def saved(self) -> Any:
        """The runs this client saved, newest first."""
        return self._call("list_saved_api_saved_get")

    def saved_run(self, sid: str) -> Any:
        """One saved run: its config, live changes, clock and summary."""
        return self._call("get_saved_run_api_saved__sid__get", path={"sid": sid})

    def open_saved(self, sid: str) -> Any:
        """A saved run reopened as a new live run (replayed to the same numbers)."""
        return self._call("open_saved_api_saved__sid__open_post", path={"sid": sid}, then=self._run)

    def delete_saved(self, sid: str) -> Any:
        """Forget a saved run."""
        return self._call("delete_saved_api_saved__sid__delete", path={"sid": sid})

    def loss_compare(self, **query: Any) -> Any:
        """Cross-entropy vs quadratic cost for the lecture's small network (w1, w2, n, span, steps, lr)."""
        return self._call("default_loss_compare_api_loss_compare_get", params=query)

    def lessons(self) -> Any:
        """The guided lessons, in the lecture's order: id, title, caption and the run each one opens."""
        return self._call("get_lessons_api_lessons_get")

    def registry(self) -> Any:
        """Every optimiser, schedule, surface, network option, lesson and limit (plain JSON)."""
        return self._call("get_registry_api_registry_get")

    def health(self) -> Any:
        """The server's health and load."""
        return self._call("health_api_health_get")


class RunOps:
    """Operations on one run; answers that carry the run's state also update `self._state`."""

    id: str
    _state: Any

    def _client_call(self, op_id: str, *, path: dict[str, Any] | None = None, json: Any = None,
                     params: dict[str, Any] | None = None, raw: bool = False, then: Then = None) -> Any:
        raise NotImplementedError

    def _op(self, op_id: str, then: Then = None, json: Any = None, raw: bool = False, **params: Any) -> Any:
        """Call a run operation: `params` are the query (and `path`, more path parameters)."""
        path = {"run_id": self.id, **params.pop("path", {})}
        return self._client_call(op_id, path=path, json=json, params=params, raw=raw, then=then)

    def _keep(self, state: Any) -> Any:
        self._state = state
        return state

    def _keep_step(self, result: Any) -> Any:
        self._state = result.state
        return result

    def refresh(self) -> Any:
        """The run's state now (t, status, message, each racer's params, loss, gradient, optimiser...)."""
        return self._op("get_run_api_runs__run_id__get", self._keep)

    def set(self, optimizer: Any = None, stop: Any = None, racer: int | None = None, **optimizer_fields: Any) -> Any:
        """Change settings live: `set(lr=0.5)`, `set(optimizer={"name": "adam"})`, `set(stop={"max_steps": 50})`,
        `racer=i` for a race; the next step uses them. Returns the new state."""
        patch = body_of(optimizer, optimizer_fields)
        body = body_of({}, {"optimizer": patch or None, "stop": body_of(stop, {}) if stop is not None else None,
                            "racer": racer})
        return self._op("patch_run_api_runs__run_id__patch", self._keep, json=body)

    def delete(self) -> Any:
        """Forget the run (its websockets close)."""
        return self._op("delete_run_api_runs__run_id__delete")

    def step(self, n: int = 1) -> Any:
        """Take n steps now (every active racer): the step records and the new state."""
        return self._op("step_run_api_runs__run_id__step_post", self._keep_step, json={"n": n})

    def reset(self, params: Sequence[float] | None = None) -> Any:
        """Start again from `params` (which become the start) or from the run's start; history is cleared."""
        body = {} if params is None else {"params": list(params)}
        return self._op("reset_run_api_runs__run_id__reset_post", self._keep, json=body)

    def add_racer(self, spec: Any = None, /, **fields: Any) -> Any:
        """Add an optimiser to the run (`add_racer(name="adam", lr=0.01)`), starting at the run's start."""
        return self._op("add_racer_api_runs__run_id__racers_post", self._keep, json=body_of(spec, fields))

    def remove_racer(self, racer: int) -> Any:
        """Remove racer `racer` (later racers move down one index)."""
        return self._op("remove_racer_api_runs__run_id__racers__racer__delete", self._keep,
                        path={"racer": racer})

    def data(self) -> Any:
        """The data points: {x, y} for linear regression, {train, test, task, ...} for a network."""
        return self._op("run_data_api_runs__run_id__data_get")

    def _history(self, racer: int | None, as_: str | None) -> tuple[Any, bool, Then]:
        if as_ not in (None, "records", "pandas", "csv"):
            raise ValueError(f"as_ must be 'records', 'pandas' or 'csv', got {as_!r}")
        query = {"racer": racer, "format": "csv" if as_ == "csv" else None}
        then: Then = None if as_ == "csv" else (lambda h: as_frame(h.steps) if as_ == "pandas" else h.steps)
        return query, as_ == "csv", then

    def history(self, racer: int | None = None, as_: str | None = None) -> Any:
        """Every step record (each racer's, or one racer's): a list of StepRecord; `as_="pandas"` a DataFrame
        (theta1..thetaD columns), `as_="csv"` the server's CSV text."""
        query, raw, then = self._history(racer, as_)
        return self._op("history_api_runs__run_id__history_get", then, raw=raw, **query)

    def config(self) -> Any:
        """{config, events, clock}: what rebuilds the run exactly (Client.import_run takes it)."""
        return self._op("run_config_api_runs__run_id__config_get")

    def export(self, history: bool = True) -> Any:
        """The run as a document: config, live changes, clock, state and (unless history=False) every step."""
        return self._op("export_run_api_runs__run_id__export_get", history=history)

    def save(self, name: str) -> Any:
        """Save the run under `name` (its config and live changes; reopening replays it)."""
        return self._op("save_run_api_runs__run_id__save_post", json={"name": name})

    def surface(self, n: int = 100, **box: Any) -> Any:
        """J on an n × n grid (x, y, z[j][i]) over the box (x_min, x_max, y_min, y_max, or the default view)."""
        return self._op("surface_api_runs__run_id__surface_get", n=n, **box)

    def field(self, n: int = 20, **box: Any) -> Any:
        """−∇J arrows (u, v) on an n × n grid."""
        return self._op("field_api_runs__run_id__field_get", n=n, **box)

    def flow(self, per_side: int = 4, **box: Any) -> Any:
        """Gradient-flow paths from 4 × per_side starts on the border of the box."""
        return self._op("flow_api_runs__run_id__flow_get", per_side=per_side, **box)

    def network(self, racer: int = 0) -> Any:
        """A network's weights (layers[l] = {W, b}), counts, sizes, activations, head and loss."""
        return self._op("network_api_runs__run_id__network_get", racer=racer)

    def set_weight(self, layer: int, i: int | None, j: int, value: float, racer: int = 0) -> Any:
        """Set W[i][j] of `layer` (i None: the bias b[j]) live; answers the racer's weights, as network()."""
        body = {"layer": layer, "i": i, "j": j, "value": value, "racer": racer}
        return self._op("set_weight_api_runs__run_id__network_patch", json=body)

    def predict(self, n: int = 100, racer: int = 0, **box: Any) -> Any:
        """The network's output over the input plane (decision regions), or its fitted curve (one input)."""
        return self._op("predict_grid_api_runs__run_id__predict_get", n=n, racer=racer, **box)

    def predict_points(self, points: Sequence[Sequence[float]], racer: int = 0) -> Any:
        """The network's outputs at the given points."""
        body = {"points": [list(p) for p in points], "racer": racer}
        return self._op("predict_points_api_runs__run_id__predict_post", json=body)

    def hidden(self, n: int = 32, racer: int = 0, **box: Any) -> Any:
        """Each hidden unit's output over the input plane (networks with 2 inputs)."""
        return self._op("hidden_api_runs__run_id__hidden_get", n=n, racer=racer, **box)

    def backprop(self, example: int = 0, racer: int = 0, fd: bool | None = None) -> Any:
        """The lecture's backpropagation table of one training example, with finite-difference checks."""
        return self._op("backprop_api_runs__run_id__backprop_get", example=example, racer=racer, fd=fd)

    def loss_compare(self, **query: Any) -> Any:
        """Cross-entropy vs quadratic cost over two weights of the run's network (w1, w2, n, span, steps, lr)."""
        return self._op("run_loss_compare_api_runs__run_id__loss_compare_get", **query)

    def slice(self, **query: Any) -> Any:
        """The loss over a 2-D slice through the weights (directions, n, span, seed, biases, racer)."""
        return self._op("loss_slice_api_runs__run_id__slice_get", **query)

    def line(self, n: int = 101, racer: int = 0) -> Any:
        """The loss along the line from the initial to the current weights."""
        return self._op("loss_line_api_runs__run_id__line_get", n=n, racer=racer)

    def explain(self, racer: int = 0, full: bool = False) -> Any:
        """The next update in numbers and words, without taking it."""
        return self._op("explain_api_runs__run_id__explain_get", racer=racer, full=full)

    # ----- the classroom (descent/classroom.py) -----
    def watch(self, name: str | None = None) -> Any:
        """Broadcast the run (under `name`, shown to watchers): its watch token (the link), name and watchers.
        Again: the same token, the new name."""
        return self._op("start_watch_api_runs__run_id__watch_post", json=body_of({}, {"name": name}))

    def watching(self) -> Any:
        """The run's broadcast (token, name, how many watch); DescentError 404 when it is not broadcast."""
        return self._op("read_watch_api_runs__run_id__watch_get")

    def end_watch(self) -> Any:
        """End the broadcast: every watcher is told and its socket closes; the token stops working."""
        return self._op("end_watch_api_runs__run_id__watch_delete")

    def fork(self) -> Any:
        """A new run in this run's exact state (θ, optimiser state, t, the sampler's random state), not playing."""
        return self._op("fork_run_api_runs__run_id__fork_post", self._client_run)

    def challenge(self, goal: Any, title: str | None = None, limit: int | None = None,
                  allowed: Sequence[str] | None = None) -> Any:
        """A class challenge from this run (one optimizer): `goal` {kind: fewest_steps (with target) |
        largest_lr | best_accuracy}, the step limit and the settings students may choose (default ["lr"]).
        Returns the Challenge, holding the teacher's key (for paths)."""
        body = body_of({}, {"goal": body_of(goal, {}), "title": title, "limit": limit,
                            "allowed": None if allowed is None else list(allowed)})
        return self._op("create_challenge_api_runs__run_id__challenge_post", self._client_challenge, json=body)

    def _client_run(self, state: Any) -> Any:
        return self.client._run(state)  # type: ignore[attr-defined]

    def _client_challenge(self, info: Any) -> Any:
        made = self.client._challenge(info.id, info.key)  # type: ignore[attr-defined]
        made.info = info
        return made


def as_frame(records: list[Any]) -> Any:
    """Step records as a pandas DataFrame, params spread into theta1..thetaD columns."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("history(as_='pandas') needs pandas: pip install pandas") from exc
    rows = [r.model_dump() if isinstance(r, BaseModel) else dict(r) for r in records]
    frame = pd.DataFrame.from_records(rows)
    for name in ("params", "guess"):
        if name in frame and frame[name].notna().any():
            width = max(len(p) for p in frame[name] if p is not None)
            prefix = "theta" if name == "params" else "guess"
            cols = [f"{prefix}{j + 1}" for j in range(width)]
            spread = pd.DataFrame([p if p is not None else [None] * width for p in frame[name]], columns=cols,
                                  index=frame.index)
            frame = pd.concat([frame.drop(columns=[name]), spread], axis=1)
        elif name in frame:
            frame = frame.drop(columns=[name])
    return frame
