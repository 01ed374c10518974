"""Fork a run: a new, independent run in exactly the state of the original (the sampler's RNG included).

The copy holds the problem, every racer's settings, θ, J, ∇J, optimiser state, t, mini-batch order and
position, random generator state, history and the event log since the last reset. Stepping the fork and the
original by the same number of steps therefore gives the same records, bit for bit; and the fork's
`run_config(twin)`, `events` and `clock` still replay it exactly (engine.build.replay), so it can be saved and exported.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.build import build_problem
from engine.optimizers import OPTIMIZERS
from engine.run import Run


def fork(run: Run) -> Run:
    """An independent copy of `run` in its current state."""
    # The optimiser table entries are shared constants (functions and their settings), not state.
    memo: dict[int, Any] = {id(opt): opt for opt in OPTIMIZERS.values()}
    # The problem is rebuilt from its spec (deterministic: the same data and initial weights), not copied: its
    # scratch buffers hold views of one another, which a deep copy would cut apart. A run built by hand (no
    # spec) shares its problem, which is safe as long as both runs step in one thread.
    memo[id(run.problem)] = build_problem(run.problem_spec) if run.problem_spec else run.problem
    return copy.deepcopy(run, memo)
