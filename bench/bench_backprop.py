"""Milliseconds for the backprop table of the largest network allowed, with every finite difference, beside the
NumPy reference in the same run.

Run: .venv/bin/python bench/bench_backprop.py. The network is [64, 64 × 8, 10] (64 input features, the most a
table may have: 33,930 parameters) and [2, 64 × 8, 10] (29,962); tanh, softmax and cross-entropy. "Descent" is
engine.backprop.backprop_table as the server runs it; the reference is the same table with the compiled
activations off (kernels.ENABLED = False: NumPy's tanh). Both wall clock and this process's CPU time (every
thread of it) are printed, with the load average: on a machine others load, the wall clock follows the load.
The finite differences run on one BLAS thread (engine/backprop_fd.py limits it with threadpoolctl while they
run; BLAS's two threads waited on each other on a loaded machine), their layers' batches shared over two threads
of this process. `--blas` runs them with BLAS's own thread count instead, for comparison. Target: < 250 ms.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from common import best_of, report
from common import with_and_without_kernels as both

from engine import backprop_fd
from engine.backprop import backprop_table
from engine.backprop_fd import fd_gradients
from engine.build import build_run


def net(inputs: int) -> Any:
    data = ({"name": "blobs", "n": 300, "classes": 10} if inputs == 2 else
            {"points": [[((i * 7 + j * 3) % 11) / 11.0 for j in range(inputs)] + [i % 10] for i in range(300)]})
    return build_run({"problem": {"kind": "network", "layers": [inputs] + [64] * 8 + [10], "activation": "tanh",
                                  "head": "softmax", "loss": "ce", "data": data}})


def main() -> None:
    """The table and its finite differences alone, for both networks."""
    if "--blas" in sys.argv:  # BLAS's own thread count: the limit becomes a no-op
        backprop_fd.one_blas_thread = contextlib.nullcontext  # type: ignore[assignment]
    print(f"load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores); BLAS threads: "
          + ("BLAS's own" if "--blas" in sys.argv else "one"))
    for inputs in (2, 64):
        run = net(inputs)
        p, theta = run.problem, run.theta[0]
        print(f"[{inputs}, 64 × 8, 10]: d = {p.dim:,}")
        backprop_table(p, theta, 0)  # compiled kernels loaded, caches warm
        both("  table with finite differences", lambda p=p, theta=theta: backprop_table(p, theta, 0), "< 250 ms",
             repeats=3)
        both("  finite differences alone", lambda p=p, theta=theta: fd_gradients(p, theta, 0), repeats=3)
        t = best_of(lambda p=p, theta=theta: backprop_table(p, theta, 0, fd=False), 3)
        report("  table without finite differences", t * 1e3, "ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
