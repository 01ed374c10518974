"""Compiling the Numba kernels (engine/kernels.py) before any request needs them: `python -m engine.warm`.

`make` runs it after installing, and the app's start-up runs `warm()` in a worker thread, so that no request or
test pays for compiling (the kernels load from their on-disk cache after the first time). It steps two tiny runs
through every kernel, so it sits above engine.build (engine.kernels itself is imported by the engine's runs).
"""

from __future__ import annotations

from engine import kernels
from engine.build import build_run


def warm() -> bool:
    """Compile (or load from the cache) every kernel by stepping two tiny runs through them; False without Numba."""
    if kernels.kernel() is None:
        return False
    net = {"kind": "network", "layers": [2, 3, 1], "data": {"name": "xor", "n": 40}}
    build_run({"problem": net, "optimizer": {"name": "gd", "batch_size": 1}}).step(3)
    build_run({"problem": {"kind": "surface", "name": "booth"},
               "racers": [{"name": "gd"}, {"name": "adam"}]}).step(2)
    from engine import kernels_grid  # the landscape views' losses (engine/kernels_grid.py)

    return kernels_grid.warm()


if __name__ == "__main__":
    print("kernels ready" if warm() else "Numba is not installed: the NumPy reference steps every run")
