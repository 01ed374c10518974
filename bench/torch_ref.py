"""PyTorch eager CPU float64 steps/s of the bench network: run by bench_network.py and bench_batch1.py, in whichever
Python has torch.

Usage: python bench/torch_ref.py data.npz steps rounds [batch] -> prints the best CPU seconds per step (process
time: fair on a loaded machine; it counts every thread torch uses). The .npz holds X (n, 2), T (n, 1) and the
[W; b] blocks of [2, 8, 8, 1] as W1, b1, W2, b2, W3, b3. Without `batch`, each step is full batch: zero_grad,
forward, loss, backward, SGD step, loss.item(). With `batch` b, each step is one update on the next b examples of
a shuffled epoch (b = 1: the lecture's per-example update), and then, as Descent records every step, J and ‖∇J‖
over the whole training set (a second forward and backward, and .item()).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch


def main() -> None:
    data = np.load(sys.argv[1])
    steps, rounds = int(sys.argv[2]), int(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else None
    if batch is not None:
        torch.set_num_threads(1)  # tensors of one example: a thread pool only adds overhead
    X, t = torch.tensor(data["X"]), torch.tensor(data["T"])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for k, lin in enumerate([model[0], model[2], model[4]], start=1):
            lin.weight.copy_(torch.tensor(data[f"W{k}"].T))
            lin.bias.copy_(torch.tensor(data[f"b{k}"]))
    opt = torch.optim.SGD(model.parameters(), lr=0.5 if batch is None else 0.03)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    params = list(model.parameters())
    n = X.shape[0]
    order, pos = torch.randperm(n), 0

    def full(m: int) -> None:
        for _ in range(m):
            opt.zero_grad()
            loss = loss_fn(model(X), t)
            loss.backward()
            opt.step()
            loss.item()

    def per_batch(m: int) -> None:
        nonlocal order, pos
        assert batch is not None
        for _ in range(m):
            if pos >= n:
                order, pos = torch.randperm(n), 0
            idx = order[pos : pos + batch]
            pos += batch
            opt.zero_grad()
            loss_fn(model(X[idx]), t[idx]).backward()
            opt.step()
            opt.zero_grad()
            J = loss_fn(model(X), t)  # the step's record: J and ‖∇J‖ over the training set
            J.backward()
            gn = torch.sqrt(sum((p.grad * p.grad).sum() for p in params))
            J.item(), gn.item()

    run = full if batch is None else per_batch
    run(100)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        run(steps)
        best = min(best, (time.process_time() - t0) / steps)
    print(best)


if __name__ == "__main__":
    main()
