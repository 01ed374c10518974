"""Milliseconds for a 200 × 200 loss surface of linear regression (any N: sufficient statistics)."""

from __future__ import annotations

from common import best_of, report

from engine.build import build_run
from engine.landscape import default_box, flow_starts, grad_field, gradient_flow, loss_grid


def main() -> None:
    for n in (100, 100_000):
        run = build_run({"problem": {"kind": "linear_regression", "data": {"n": n}}})
        box = default_box(run.problem, run.start[None])
        t = best_of(lambda p=run.problem, b=box: loss_grid(p, b, 200), repeats=20)
        report(f"200 × 200 surface, N = {n:,}", t * 1e3, "ms", "< 5 ms")
    t = best_of(lambda: grad_field(run.problem, box, 25), repeats=20)
    report("25 × 25 −∇J field", t * 1e3, "ms")
    t = best_of(lambda: gradient_flow(run.problem, flow_starts(box, 4), box), repeats=5)
    report("16 gradient-flow paths", t * 1e3, "ms")


if __name__ == "__main__":
    main()
