"""AMSGrad as torch.optim.Adam(amsgrad=True) computes it, on the issue's case: Rosenbrock from (−1.2, 1), lr 0.01.

torch is not installed; the reference is torch's documented update (torch/optim/adam.py, _single_tensor_adam),
written out here line by line:
    exp_avg = β1·exp_avg + (1 − β1)·g;  exp_avg_sq = β2·exp_avg_sq + (1 − β2)·g²
    max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)                   # the raw second moment
    denom = √max_exp_avg_sq / √(1 − β2ᵗ) + ε                           # bias-corrected after the maximum
    θ = θ − lr / (1 − β1ᵗ) · exp_avg / denom
"""

import math

import numpy as np

from engine.build import build_run

NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}


def rosenbrock_grad(x: float, y: float) -> tuple[float, float]:
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)


def torch_amsgrad(steps: int, lr: float = 0.01, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                  max_of_corrected: bool = False) -> list[tuple[float, float]]:
    """The trajectory, in plain floats; max_of_corrected=True is the older reading (max of v̂), for contrast."""
    th = [-1.2, 1.0]
    m, v, vmax = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    out = [tuple(th)]
    for t in range(1, steps + 1):
        g = rosenbrock_grad(*th)
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        for i in range(2):
            m[i] = b1 * m[i] + (1.0 - b1) * g[i]
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i]
            if max_of_corrected:
                vmax[i] = max(vmax[i], v[i] / bc2)
                denom = math.sqrt(vmax[i]) + eps
            else:
                vmax[i] = max(vmax[i], v[i])
                denom = math.sqrt(vmax[i]) / math.sqrt(bc2) + eps
            th[i] = th[i] - lr / bc1 * m[i] / denom
        out.append((th[0], th[1]))
    return out


def test_amsgrad_follows_torch_on_rosenbrock() -> None:
    run = build_run({"problem": {"kind": "surface", "name": "rosenbrock"}, "start": [-1.2, 1.0], "stop": NO_STOP,
                     "optimizer": {"name": "adam", "lr": 0.01, "amsgrad": True}})
    run.step(60)
    path = run.racers[0].history.column("params")
    want = np.array(torch_amsgrad(60))
    np.testing.assert_allclose(path, want, rtol=1e-12, atol=1e-12)
    # The two readings really part on this case, so the test above tells them apart.
    assert np.linalg.norm(want[-1] - np.array(torch_amsgrad(60, max_of_corrected=True))[-1]) > 0.01
