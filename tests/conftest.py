"""Fixtures for every test directory: a real PostgreSQL server for the tests of the shared store, and the
deployment (app processes behind nginx) for the deploy and browser tests.

DESCENT_TEST_POSTGRES_URL names a server to use; otherwise the tests start their own (Debian's `postgresql`
package, which `make test` installs): a cluster in a temporary directory on a unix socket, for the session.
Without either, the PostgreSQL tests are skipped, except under CI, where they fail: CI must run them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from deploy.postgres import Cluster, available
from tests.deploy.stack import Stack, no_server, running_stack


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server for this test session."""
    given = os.environ.get("DESCENT_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    if not available():
        no_server("PostgreSQL is not installed (apt-get install postgresql, or set DESCENT_TEST_POSTGRES_URL)")
    directory = tempfile.mkdtemp(prefix="descent-pg-")  # under /tmp: the postgres user reaches it when we are root
    cluster = Cluster(directory, durable=False)
    cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(postgres_url: str) -> Iterator[Stack]:
    """Two app processes (w1, w2) behind nginx on loopback, saved runs in `postgres_url` (tests/deploy/stack.py)."""
    yield from running_stack(postgres_url)
