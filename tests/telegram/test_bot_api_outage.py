"""A Bot API outage while the bot polls: no notice lost into it, one notice with its length once it is over."""

from __future__ import annotations

import re

from bot.telegram import outage
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_CHAT_ID, BotUnderTest, eventually


async def test_admins_hear_once_how_long_the_bot_api_was_down_after_it_is_back(
        bot: BotUnderTest, tg: BotApiEmulator) -> None:
    services = bot.app.bot_data["services"]
    mark = tg.mark()
    await tg.set_offline()
    await tg.wait_for(lambda c: c.method == "getUpdates" and c.error is not None, 30, since=mark)
    await eventually(lambda: services.outage_since is not None)
    # the watch asked while it was still down, and was refused: the outage is seen from both sides
    await tg.wait_for(lambda c: c.method == "getMe" and c.error is not None, 30, since=mark)
    assert not [c for c in tg.calls[mark:] if c.method == "sendMessage"], "nothing sent into the outage"

    await tg.set_offline(False)
    notice = await tg.wait_for(lambda c: c.method == "sendMessage" and c.error is None
                               and int(c.params["chat_id"]) == ADMIN_CHAT_ID, 30, since=mark)
    text = str(notice.params["text"])
    assert "Bot API" in text and re.search(r"\d+ (s|min \d\d s)\b", text), text
    await eventually(lambda: not bot.app.job_queue.get_jobs_by_name(outage.JOB_NAME))  # the watch has ended
    assert services.outage_since is None
    assert len(tg.messages_in(ADMIN_CHAT_ID, from_bot=True)) == 1, "exactly one notice per outage"
