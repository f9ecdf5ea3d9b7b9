"""Processes of a cluster on loopback, started by each test and stopped afterwards, whatever happened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of this test's own (its processes' logs in ``tmp_path``)."""
    running = Cluster(tmp_path)
    yield running
    running.close()
