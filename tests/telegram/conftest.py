"""A running bot: PTB polling the Bot API emulator, over the sample knowledge base and real LLM."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram.ext import Application

from bot.container import Container
from bot.telegram.app import ALLOWED_UPDATES, build_application
from tests.conftest import make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.bot_api_state import StoredMessage

ADMIN_ID = 700
ADMIN_CHAT_ID = -1009000
ALICE_ID = 701  # on the settings allow-list
TEAM_CHAT_ID = -1005000  # an allowed group


@dataclass
class BotUnderTest:
    """The emulator, the running application and its container."""

    tg: BotApiEmulator
    app: Application  # type: ignore[type-arg]
    container: Container

    async def settled(self, timeout: float = 60) -> None:
        """A barrier, not a sleep: every update injected so far was fetched by the bot, and every handler it
        started has returned (PTB marks an update done in its queue when its handlers finish)."""
        import asyncio

        await eventually(self.tg.fetched_all, timeout)
        await asyncio.wait_for(self.app.update_queue.join(), timeout)

    async def final_reply(self, chat_id: int, *, since: int = 0, timeout: float = 60) -> StoredMessage:
        """Wait for the bot's finished answer in a chat: the final HTML, sent after drafts or edited in."""
        call = await self.tg.wait_for(
            lambda c: c.method in ("editMessageText", "sendMessage") and c.error is None
            and c.params.get("parse_mode") == "HTML" and int(c.params["chat_id"]) == chat_id, timeout, since=since)
        message_id = call.result["message_id"] if call.method == "sendMessage" else int(call.params["message_id"])
        return next(m for m in self.tg.messages_in(chat_id, from_bot=True) if m.message_id == message_id)


async def start_bot(tg: BotApiEmulator, kb: Container, data_dir: Path, *, share_index: bool = True,
                    **overrides: Any) -> BotUnderTest:
    """Build and start polling a bot whose container shares the sample index with ``kb``."""
    telegram = {"token": tg.token, "base_url": tg.base_url, "base_file_url": tg.base_file_url,
                "admin_ids": [ADMIN_ID], "admin_chat_id": ADMIN_CHAT_ID, "allowed_user_ids": [ALICE_ID],
                "allowed_chat_ids": [TEAM_CHAT_ID], "edit_interval_s": 0.3, "draft_interval_s": 0.2,
                **overrides.pop("telegram", {})}
    llm = {"base_url": kb.settings.llm.base_url, "max_tokens": 40, **overrides.pop("llm", {})}
    tg.group_chat(ADMIN_CHAT_ID, "Admins")  # the bot is a member of the admin chat
    # Reuse the loaded embedding model and the indexed sample handbook instead of building them again;
    # a test that changes the knowledge base gets an index of its own in its data directory.
    shared = {"embed_model": kb.embed_model, **({"index": kb.index} if share_index else {})}
    container = Container(make_settings(data_dir, telegram=telegram, llm=llm, **overrides), **shared)
    app = build_application(container)
    await app.initialize()
    if app.post_init is not None:  # run_polling() would call it; tests start the pieces themselves
        await app.post_init(app)
    await app.start()
    # as run_polling() does: an error while fetching updates goes to the application's error handler
    await app.updater.start_polling(  # type: ignore[union-attr]
        poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES,
        error_callback=lambda exc: app.create_task(app.process_error(None, exc)))
    return BotUnderTest(tg, app, container)


async def stop_bot(bot: BotUnderTest) -> None:
    """Stop polling and release the database (the shared index stays open for other tests)."""
    if bot.app.updater.running:  # type: ignore[union-attr]  # a test may have stopped polling itself
        await bot.app.updater.stop()  # type: ignore[union-attr]
    await bot.app.stop()
    await bot.app.shutdown()
    await bot.container.llm.aclose()
    bot.container.engine.dispose()



@pytest_asyncio.fixture
async def bot(tg: BotApiEmulator, kb: Container, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The bot polling the emulator with the default test settings."""
    running = await start_bot(tg, kb, tmp_path)
    yield running
    await stop_bot(running)


@pytest.fixture
def bot_factory(tg: BotApiEmulator, kb: Container, tmp_path: Path) -> Callable[..., Any]:
    """Start a bot with other settings (stopped by the test through ``stop_bot``)."""
    async def factory(share_index: bool = True, **overrides: Any) -> BotUnderTest:
        return await start_bot(tg, kb, tmp_path, share_index=share_index, **overrides)
    return factory


async def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` holds (the bot finishes its bookkeeping just after replying)."""
    import asyncio

    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def rows(bot: BotUnderTest, model: type) -> list[Any]:
    """Every stored row of a table, as the bot's own database holds it."""
    from sqlmodel import Session, select

    with Session(bot.container.engine) as session:
        return list(session.exec(select(model)))
