"""PyTorch eager CPU float64 steps/s of the bench network: run by bench_network.py, in whichever Python has torch.

Usage: python bench/torch_ref.py data.npz steps rounds -> prints the best CPU seconds per step (process time:
fair on a loaded machine; it counts every thread torch uses). The .npz holds X (n, 2),
T (n, 1) and the [W; b] blocks of [2, 8, 8, 1] as W1, b1, W2, b2, W3, b3.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch


def main() -> None:
    data = np.load(sys.argv[1])
    steps, rounds = int(sys.argv[2]), int(sys.argv[3])
    X, t = torch.tensor(data["X"]), torch.tensor(data["T"])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for k, lin in enumerate([model[0], model[2], model[4]], start=1):
            lin.weight.copy_(torch.tensor(data[f"W{k}"].T))
            lin.bias.copy_(torch.tensor(data[f"b{k}"]))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def run(n: int) -> None:
        for _ in range(n):
            opt.zero_grad()
            loss = loss_fn(model(X), t)
            loss.backward()
            opt.step()
            loss.item()

    run(100)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        run(steps)
        best = min(best, (time.process_time() - t0) / steps)
    print(best)


if __name__ == "__main__":
    main()
