"""Building a network problem from a `problem` spec (see engine/network.py), and the network tables as JSON."""

from __future__ import annotations

from typing import Any

from engine.activations import ACTIVATIONS, HEADS
from engine.datasets2d import DATASETS2D, MAX_POINTS
from engine.layers import INITS
from engine.losses import LOSSES
from engine.netdata import FEATURES, NetData, make_data, user_settings
from engine.network import NetworkProblem
from engine.nn import MLP
from engine.settings import Setting, SettingsError, check_settings
from engine.tables import MAX_CLASSES, MAX_FEATURES

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 64  # neurons per hidden layer

NETWORK_SETTINGS = (
    Setting("init_sigma", "float", 0.1, "σ of the normal initialisation", low=0.0, high=100.0),
    Setting("seed", "int", 0, "seed of the initial weights", low=0, high=2**32 - 1),
)
SPEC_KEYS = ("kind", "layers", "activation", "head", "loss", "init", "data") + tuple(s.name for s in NETWORK_SETTINGS)



# ----- building from a spec ---------------------------------------------------------------------
def _check_layers(layers: Any, data: NetData, head: str) -> list[int]:
    if not isinstance(layers, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in layers):
        raise SettingsError("problem.layers", f"must be a list of whole numbers such as [2, 4, 4, 1], got {layers!r}")
    if len(layers) < 2:
        raise SettingsError("problem.layers", "needs at least the inputs and the outputs, e.g. [2, 1]")
    if len(layers) - 2 > MAX_HIDDEN_LAYERS:
        raise SettingsError("problem.layers", f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(layers) - 2}")
    for i, s in enumerate(layers[1:-1], start=1):
        if not 1 <= s <= MAX_WIDTH:
            raise SettingsError("problem.layers", f"hidden layer {i} has {s} neurons (1 to {MAX_WIDTH} allowed)")
    if layers[0] != data.inputs:
        raise SettingsError("problem.layers", f"the data has {data.inputs} input(s), so layers must start with "
                                              f"{data.inputs}, not {layers[0]}")
    want = _outputs(data, head, layers[-1])
    if layers[-1] != want:
        raise SettingsError("problem.layers", f"a {head} head on this data needs {want} output(s), not {layers[-1]}")
    return layers


def _outputs(data: NetData, head: str, asked: int | None = None) -> int:
    """The number of outputs a head needs on this data (refusing heads that make no sense for it)."""
    k = data.classes
    if head == "softmax":
        if k is None:
            raise SettingsError("problem.head", "a softmax head needs class labels; this data is regression")
        return k
    if head == "sigmoid":
        if k is None:
            raise SettingsError("problem.head", "a sigmoid head needs labels 0/1; use identity for regression")
        if k > 2:
            raise SettingsError("problem.head", f"a sigmoid head has one output for 2 classes; this data has {k}: "
                                                "use softmax")
        return 1
    if k is not None and k > 2:
        return k  # identity on K classes: one output per class, regressed on one-hot targets
    if k is not None and asked == 2:
        return 2
    return 1


def _name(spec: dict[str, Any], key: str, table: Any, default: str) -> str:
    """spec[key] if it names an entry of `table` (default when absent), else a SettingsError naming the field."""
    value = spec.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value not in table:
        raise SettingsError(f"problem.{key}", f"unknown {key} {value!r} (known: {', '.join(table)})")
    return value


def build_network(spec: dict[str, Any]) -> NetworkProblem:
    """A NetworkProblem from a `problem` spec (see the module docstring)."""
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        raise SettingsError(f"problem.{unknown[0]}", f"unknown setting (known: {', '.join(SPEC_KEYS[1:])})")
    data_spec = spec.get("data")
    if data_spec is not None and not isinstance(data_spec, dict):
        raise SettingsError("problem.data", "must be an object: {\"name\": ...}, {\"points\": [...]} or {\"csv\": ...}")
    data = make_data(data_spec)
    classes = data.classes
    head = _name(spec, "head", HEADS, "identity" if classes is None else "sigmoid" if classes == 2 else "softmax")
    loss = _name(spec, "loss", LOSSES, {"sigmoid": "bce", "softmax": "ce", "identity": "quadratic"}[head])
    layers = spec.get("layers")
    if layers is None:
        layers = [data.inputs, 4, 4, _outputs(data, head)]
    layers = _check_layers(layers, data, head)
    init = _name(spec, "init", INITS, "xavier")
    activation = spec.get("activation") or "tanh"
    if not isinstance(activation, str) and not (
            isinstance(activation, list) and all(isinstance(a, str) for a in activation)):
        raise SettingsError("problem.activation", f"must be a name or a list of names, got {activation!r}")
    s = check_settings(NETWORK_SETTINGS, {k: spec[k] for k in ("init_sigma", "seed") if spec.get(k) is not None},
                       prefix="problem.")
    mlp = MLP(layers, activation, head)
    return NetworkProblem(mlp, loss, data, init=init, init_sigma=s["init_sigma"], seed=s["seed"])


def describe() -> dict[str, Any]:
    """The network tables as JSON, for schemas, menus and docs: names, titles, formulas, settings and limits."""
    return {
        "activations": {a.name: {"title": a.title, "formula": a.formula} for a in ACTIVATIONS.values()},
        "heads": {h.name: {"title": h.title, "formula": h.formula} for h in HEADS.values()},
        "losses": {loss.name: {"title": loss.title, "formula": loss.formula, "heads": list(loss.heads)}
                   for loss in LOSSES.values()},
        "inits": {i.name: {"title": i.title} for i in INITS.values()},
        "datasets": {g.name: {"title": g.title, "task": g.task, "inputs": g.inputs, "columns": g.columns,
                              "classes": len(g.class_names) if g.class_names else None,
                              "settings": [f.describe() for f in g.settings]} for g in DATASETS2D.values()},
        "user_data": user_settings(),
        "settings": [f.describe() for f in NETWORK_SETTINGS],
        "limits": {"hidden_layers": MAX_HIDDEN_LAYERS, "width": MAX_WIDTH, "points": MAX_POINTS,
                   "classes": MAX_CLASSES, "features": MAX_FEATURES},
        "input_features": {name: title for name, (title, _) in FEATURES.items()},
    }
