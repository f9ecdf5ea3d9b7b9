"""The Kaiten stand-in for tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.kaiten_standin import KaitenStandIn


@pytest.fixture
def kaiten() -> Iterator[KaitenStandIn]:
    """A fresh Kaiten stand-in on loopback."""
    standin = KaitenStandIn().start()
    yield standin
    standin.stop()
