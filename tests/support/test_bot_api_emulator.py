"""End-to-end checks of the Bot API emulator with a real python-telegram-bot client (no mocks)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReactionTypeEmoji,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from .bot_api_emulator import BotApiEmulator, free_port, telegram_emulator_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.asyncio

BOT_NAME = "dialog_keeper_bot"  # the emulator's default bot username
# PTB 22 itself reads RetryAfter.retry_after as int while building the exception, which warns.
_PTB_INT_PERIODS_DEPRECATED = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def tg(telegram_emulator: BotApiEmulator) -> BotApiEmulator:
    """Short alias for the module's ``telegram_emulator`` fixture (a fresh emulator per test)."""
    return telegram_emulator


@pytest_asyncio.fixture
async def bot(tg: BotApiEmulator) -> AsyncIterator[Bot]:
    """A plain PTB Bot talking to the emulator over HTTP."""
    async with tg.make_bot() as client:
        yield client


async def _eventually(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _echo_app(tg: BotApiEmulator, seen: list[int]) -> Application:  # type: ignore[type-arg]
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = tg.application_builder().build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def test_get_me_and_auth(tg: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.is_bot, me.username, me.can_join_groups) == (True, BOT_NAME, True)
    assert (await bot.do_api_request("GETME"))["username"] == BOT_NAME  # method names are case-insensitive
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    with pytest.raises(InvalidToken):
        async with Bot("42:wrong", base_url=tg.base_url):  # initialize() calls getMe
            pass


async def test_polling_application_receives_private_message_and_replies(tg: BotApiEmulator) -> None:
    user = tg.user(1001, "Анна", "anna")
    chat = tg.private_chat(user)
    seen: list[int] = []
    app = _echo_app(tg, seen)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        update = await tg.inject_message(chat, user, "привет")
        call = await tg.wait_for_call("sendMessage")
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert seen == [update["update_id"]]
    assert call.params["chat_id"] == chat.id
    reply = tg.last_bot_message(chat.id)
    assert reply is not None and reply.text == "echo: привет"
    assert [m.text for m in tg.messages_in(chat.id)] == ["привет", "echo: привет"]


async def test_group_mention_entities_use_utf16_offsets(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1002, "Boris", "boris")
    group = tg.group_chat(-1001234567890, "Команда")
    await tg.inject_message(group, user, f"Привет 👋 @{BOT_NAME}, /help@{BOT_NAME}")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.chat.type == "supergroup"
    assert message.parse_entities([MessageEntity.MENTION]).popitem()[1] == f"@{BOT_NAME}"
    assert list(message.parse_entities([MessageEntity.BOT_COMMAND]).values()) == [f"/help@{BOT_NAME}"]
    assert message.entities[0].offset == 10  # "👋" is two UTF-16 code units


async def test_get_updates_offset_limit_and_long_poll(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1003, "Vera")
    chat = tg.private_chat(user)
    for text in ("one", "two", "three"):
        await tg.inject_message(chat, user, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["three"]

    async def late_message() -> None:
        await asyncio.sleep(0.2)
        await tg.inject_message(chat, user, "four")

    started = time.monotonic()
    task = asyncio.create_task(late_message())
    polled = await bot.get_updates(offset=rest[-1].update_id + 1, timeout=3)
    await task
    assert [u.message.text for u in polled if u.message] == ["four"]
    assert time.monotonic() - started < 1.5  # returned as soon as the update arrived
    assert await bot.get_updates(offset=polled[-1].update_id + 1, timeout=0) == ()


async def test_allowed_updates_filters_types(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1004, "Gleb")
    chat = tg.private_chat(user)
    message = await tg.inject_message(chat, user, "pick")
    await tg.inject_callback_query(message, user, "yes")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates if u.callback_query] == ["yes"]


async def test_edit_identical_content_is_not_modified(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1005, "Dina")
    chat = tg.private_chat(user)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="yes")]])
    sent = await bot.send_message(chat.id, "Вопрос?", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Вопрос?", chat.id, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("Вопрос решён", chat.id, sent.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    assert edited.reply_markup is None  # editing text without reply_markup removes the keyboard, as in Telegram
    stored = tg.last_bot_message(chat.id)
    assert stored is not None and stored.edit_count == 1 and stored.history[0]["text"] == "Вопрос?"


@_PTB_INT_PERIODS_DEPRECATED
async def test_injected_429_raises_retry_after(tg: BotApiEmulator, bot: Bot) -> None:
    chat = tg.private_chat(tg.user(1006, "Egor"))
    tg.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "hi")
    assert caught.value.retry_after in (7, dtm.timedelta(seconds=7))  # int or timedelta per PTB_TIMEDELTA
    assert (await bot.send_message(chat.id, "hi")).text == "hi"  # only the next call fails
    assert tg.calls_to("sendMessage")[0].error is not None


@_PTB_INT_PERIODS_DEPRECATED
async def test_per_chat_flood_limit(tg: BotApiEmulator, bot: Bot) -> None:
    chat = tg.private_chat(tg.user(1007, "Zoya"))
    tg.flood_limit(2, retry_after=3)
    await bot.send_message(chat.id, "1")
    await bot.send_message(chat.id, "2")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "3")
    assert caught.value.retry_after in (3, dtm.timedelta(seconds=3))


async def test_text_validation(tg: BotApiEmulator, bot: Bot) -> None:
    chat = tg.private_chat(tg.user(1008, "Igor"))
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(chat.id, "я" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(chat.id, "")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hi")
    tg.block_bot(chat.id)
    with pytest.raises(Forbidden):
        await bot.send_message(chat.id, "hi")


async def test_parse_mode_errors_and_entities(tg: BotApiEmulator, bot: Bot) -> None:
    chat = tg.private_chat(tg.user(1009, "Kira"))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: can't find end tag"):
        await bot.send_message(chat.id, "<b>bold", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "foo"'):
        await bot.send_message(chat.id, "<foo>x</foo>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '.' is reserved"):
        await bot.send_message(chat.id, "Готово.", parse_mode="MarkdownV2")
    html = await bot.send_message(chat.id, "<b>Жирный</b> &amp; <a href='https://t.me'>ссылка</a>", parse_mode="HTML")
    assert html.text == "Жирный & ссылка"
    assert [(e.type, e.offset, e.length) for e in html.entities] == [("bold", 0, 6), ("text_link", 9, 6)]
    md = await bot.send_message(chat.id, "*Итог*: 1\\.5 \\- ок\\!", parse_mode="MarkdownV2")
    assert md.text == "Итог: 1.5 - ок!" and md.entities[0].type == "bold"


async def test_voice_download_roundtrip(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1010, "Lev")
    audio = bytes(range(256)) * 40
    injected = await tg.inject_voice(tg.private_chat(user), user, audio, duration=3)
    assert injected["message"]["voice"]["duration"] == 3
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.voice is not None
    file = await update.message.voice.get_file()
    assert bytes(await file.download_as_bytearray()) == audio


async def test_oversize_file_is_refused(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1011, "Mila")
    chat = tg.private_chat(user)
    await tg.inject_voice(chat, user, b"OggS", file_size=25 * 1024 * 1024)  # reported size over 20 MB
    tg.max_download_size = 1024
    await tg.inject_document(chat, user, b"x" * 2048, "big.pdf", "application/pdf")
    voice, document = await bot.get_updates()
    for file_id in (voice.message.voice.file_id, document.message.document.file_id):  # type: ignore[union-attr]
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await bot.get_file(file_id)


async def test_multipart_uploads_are_stored(tg: BotApiEmulator, bot: Bot) -> None:
    chat = tg.private_chat(tg.user(1012, "Nina"))
    sent = await bot.send_document(chat.id, b"report-bytes", filename="report.txt", caption="<i>Отчёт</i>",
                                   parse_mode="HTML")
    assert sent.document is not None and sent.document.file_name == "report.txt"
    assert sent.caption == "Отчёт" and sent.caption_entities[0].type == "italic"
    assert tg.calls_to("sendDocument")[0].files["document"] == b"report-bytes"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"report-bytes"
    photo = await bot.send_photo(chat.id, b"\x89PNG fake")
    assert photo.photo and tg.calls_to("sendPhoto")[0].files["photo"] == b"\x89PNG fake"


async def test_webhook_delivery_and_secret(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1013, "Oleg")
    chat = tg.private_chat(user)
    seen: list[int] = []
    app = _echo_app(tg, seen)
    port = free_port()
    async with app:
        await app.updater.start_webhook(  # type: ignore[union-attr]
            listen="127.0.0.1", port=port, url_path="hook", webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        await app.start()
        update = await tg.inject_message(chat, user, "через вебхук")
        await tg.wait_for_call("sendMessage")
        assert tg.webhook_deliveries == [(update["update_id"], 200)]
        assert await tg.post_to_webhook(update, secret_token="wrong") == 403
        assert await tg.post_to_webhook(update, secret_token=None) == 403
        with pytest.raises(Conflict):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/hook" and info.pending_update_count == 0
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert seen == [update["update_id"]]


async def test_same_update_id_is_delivered_twice(tg: BotApiEmulator) -> None:
    user = tg.user(1014, "Pavel")
    chat = tg.private_chat(user)
    seen: list[int] = []
    app = _echo_app(tg, seen)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        update = await tg.inject_message(chat, user, "дубль")
        await _eventually(lambda: len(seen) == 1)
        await tg.inject_raw_update(update)
        await _eventually(lambda: len(seen) == 2)
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert seen == [update["update_id"], update["update_id"]]


async def test_callbacks_drafts_commands_and_misc(tg: BotApiEmulator, bot: Bot) -> None:
    user = tg.user(1015, "Rita")
    chat = tg.private_chat(user)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    sent = await bot.send_message(chat.id, "Подтвердите", reply_markup=markup)
    await tg.inject_callback_query(tg.last_bot_message(chat.id), user, "ok")  # type: ignore[arg-type]
    [update] = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert await update.callback_query.answer("Принято")
    assert list(tg.callback_answers.values()) == [{"text": "Принято"}]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()
    assert await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=None)
    assert await bot.send_message_draft(chat.id, draft_id=7, text="Думаю…")
    assert [(d.draft_id, d.text) for d in tg.drafts] == [(7, "Думаю…")]
    assert len(tg.messages_in(chat.id)) == 1  # a draft is not a message
    assert await bot.send_chat_action(chat.id, "typing") and tg.chat_actions == [(chat.id, "typing")]
    assert await bot.set_my_commands([("start", "Начать"), ("help", "Помощь")], language_code="ru")
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start", "help"]
    assert await bot.delete_my_commands(language_code="ru") and await bot.get_my_commands(language_code="ru") == ()
    assert await bot.set_message_reaction(chat.id, sent.message_id, [ReactionTypeEmoji("👍")])
    assert (await bot.get_chat(chat.id)).first_name == "Rita"
    assert await bot.delete_message(chat.id, sent.message_id)
    assert tg.messages_in(chat.id) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(chat.id, sent.message_id)
    with pytest.raises(TimeoutError):
        await tg.wait_for(lambda call: call.method == "sendVoice", timeout=0.05)
