"""A classroom in one link: watch links (read-only guests of a run), forks, and class challenges with a board.

A guest (a watcher, or a student in a challenge) reaches a run through a capability token of its own, never
through the run's id: the run id is what REST and the owner's websocket take, so a guest never learns it.
"""
