"""Columnar, growable step history of one racer (numpy buffers, amortised O(1) appends)."""

from __future__ import annotations

from typing import Any

import numpy as np

TRAJECTORY_SNAPSHOTS = 400  # parameter snapshots a run keeps for trajectory views (thinned as it grows)
PARAMS_IN_STEPS = 16  # problems with at most this many parameters keep θ in every step record


class History:
    """Rows of (t, loss, grad_norm, lr, examples[, params][, guess, guess_loss]) for one racer.

    `examples` is the number of training examples the racer's updates have used up to that row (the sizes of the
    batches actually drawn); `counts_examples` is False for problems without data (test surfaces), whose records
    then leave it out.
    """

    def __init__(self, dim: int, capacity: int = 1024, counts_examples: bool = False):
        self.dim = dim
        self.keep_params = dim <= PARAMS_IN_STEPS
        self.counts_examples = counts_examples
        self.n = 0
        self._cap = capacity
        self.t = np.zeros(capacity, dtype=np.int64)
        self.loss = np.zeros(capacity)
        self.grad_norm = np.zeros(capacity)
        self.lr = np.full(capacity, np.nan)  # NaN = no update led here (t = 0); sent as null
        self.examples = np.zeros(capacity, dtype=np.int64)  # examples used by the updates up to this row
        self.params = np.zeros((capacity, dim if self.keep_params else 0))
        self.guess: np.ndarray | None = None  # random search only
        self.guess_loss: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        """Bytes of the buffers (their capacity, not only the rows filled)."""
        arrays = (self.t, self.loss, self.grad_norm, self.lr, self.examples, self.params, self.guess, self.guess_loss)
        return sum(a.nbytes for a in arrays if a is not None)

    def _grow(self) -> None:
        self._cap *= 2
        for name in ("t", "loss", "grad_norm", "lr", "examples", "params", "guess", "guess_loss"):
            old = getattr(self, name)
            if old is None:
                continue
            new = np.full((self._cap, *old.shape[1:]), np.nan, dtype=old.dtype) if old.dtype.kind == "f" else (
                np.zeros((self._cap, *old.shape[1:]), dtype=old.dtype))
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def append(
        self,
        t: int,
        loss: float,
        grad_norm: float,
        lr: float,
        params: np.ndarray,
        guess: np.ndarray | None = None,
        guess_loss: float | None = None,
        examples: int = 0,
    ) -> None:
        """Add one row."""
        if self.n == self._cap:
            self._grow()
        i = self.n
        self.t[i], self.loss[i], self.grad_norm[i], self.lr[i], self.examples[i] = t, loss, grad_norm, lr, examples
        if self.keep_params:
            self.params[i] = params
        if guess is not None:
            if self.guess is None:
                self.guess = np.full((self._cap, self.dim), np.nan)
                self.guess_loss = np.full(self._cap, np.nan)
            self.guess[i] = guess
            assert self.guess_loss is not None
            self.guess_loss[i] = guess_loss
        self.n += 1

    def extend(self, t0: int, loss: np.ndarray, grad_norm: np.ndarray, lr: np.ndarray,
               params: np.ndarray | None = None, examples: np.ndarray | None = None) -> None:
        """Add rows t0 + 1, t0 + 2, ... at once (a compiled slice of steps; no random-search guesses)."""
        k = len(loss)
        while self.n + k > self._cap:
            self._grow()
        i = self.n
        self.t[i : i + k] = np.arange(t0 + 1, t0 + k + 1)
        self.loss[i : i + k], self.grad_norm[i : i + k], self.lr[i : i + k] = loss, grad_norm, lr
        self.examples[i : i + k] = 0 if examples is None else examples
        if self.keep_params and params is not None:
            self.params[i : i + k] = params
        self.n += k

    def records(self, start: int = 0, stop: int | None = None, racer: int | None = None) -> list[dict[str, Any]]:
        """Rows [start, stop) as JSON-ready dicts; a non-finite lr or guess_loss becomes None (J and ‖∇J‖ stay
        floats: the JSON encoder writes non-finite ones as null)."""
        stop = self.n if stop is None else min(stop, self.n)
        start = min(start, stop)
        t, loss, gn = self.t[start:stop].tolist(), self.loss[start:stop].tolist(), self.grad_norm[start:stop].tolist()
        lr = _nones(self.lr[start:stop])
        # Dict displays, not dict(zip(keys, row)): several times faster, and this builds every record sent.
        if racer is None:
            out = [{"t": a, "loss": b, "grad_norm": c, "lr": d} for a, b, c, d in zip(t, loss, gn, lr, strict=True)]
        else:
            out = [{"t": a, "loss": b, "grad_norm": c, "lr": d, "racer": racer}
                   for a, b, c, d in zip(t, loss, gn, lr, strict=True)]
        if self.counts_examples:
            for rec, e in zip(out, self.examples[start:stop].tolist(), strict=True):
                rec["examples"] = e
        if self.keep_params:
            for rec, p in zip(out, self.params[start:stop].tolist(), strict=True):
                rec["params"] = p
        if self.guess is not None and self.guess_loss is not None:
            g_loss = self.guess_loss[start:stop]
            guesses, losses = self.guess[start:stop].tolist(), _nones(g_loss)
            for j in np.flatnonzero(~np.isnan(g_loss)).tolist():
                out[j]["guess"], out[j]["guess_loss"] = guesses[j], losses[j]
        return out

    def column(self, name: str) -> np.ndarray:
        """A column's filled part (a view)."""
        return getattr(self, name)[: self.n]


def _nones(values: np.ndarray) -> list[float | None]:
    """values as a list of floats, None where a value is not finite (vectorised: few are)."""
    out: list[float | None] = values.tolist()  # type: ignore[assignment]
    for j in np.flatnonzero(~np.isfinite(values)).tolist():
        out[j] = None
    return out
