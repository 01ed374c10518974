"""Tests of the deployment: app processes behind nginx, saved runs in PostgreSQL."""
