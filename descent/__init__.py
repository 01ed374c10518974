"""Descent from Python: a client of the server, live charts in Jupyter, and `python -m descent serve`."""
