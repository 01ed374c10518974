"""The live session: a player that owns a run and its play loop, the clients that watch it, their grids and pacing."""
