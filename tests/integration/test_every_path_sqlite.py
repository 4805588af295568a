"""The every-path check (test_every_path.py) on SQLite, in a module of its own so that it
runs on another CI worker than the PostgreSQL one."""

from __future__ import annotations

import pytest

from .test_every_path import *  # noqa: F403


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite")])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
