"""Serving Descent with several app processes behind nginx, saved runs in PostgreSQL (`make serve`)."""
