"""The Kaiten stand-in for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.kaiten_standin import KaitenStandIn


@pytest.fixture
def kaiten() -> Iterator[KaitenStandIn]:
    """A fresh Kaiten stand-in on loopback."""
    standin = KaitenStandIn().start()
    yield standin
    standin.stop()


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[BotApiEmulator]:
    """A running Bot API emulator."""
    async with BotApiEmulator() as emulator:
        yield emulator
