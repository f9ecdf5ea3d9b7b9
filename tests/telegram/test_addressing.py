"""Which messages the bot treats as addressed to it (pure PTB objects, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, MessageEntity, User, Voice

from bot.telegram.parse import is_addressed_to_bot

BOT = User(42, "Dialog Keeper", is_bot=True, username="dk_bot")
ANNA = User(7, "Anna", is_bot=False)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
PRIVATE, GROUP = Chat(7, "private"), Chat(-1001, "supergroup", title="Team")


def _message(chat: Chat, *, text: str | None = None, voice: bool = False, reply_to_bot: bool = False,
             entities: tuple[MessageEntity, ...] = ()) -> Message:
    replied = Message(1, NOW, chat, from_user=BOT, text="earlier answer") if reply_to_bot else None
    return Message(2, NOW, chat, from_user=ANNA, text=text, entities=entities,
                   voice=Voice("f", "u", duration=3) if voice else None, reply_to_message=replied)


def test_private_chats_take_texts_and_voice_but_not_commands() -> None:
    assert is_addressed_to_bot(_message(PRIVATE, text="vacation?"), "dk_bot", 42)
    assert is_addressed_to_bot(_message(PRIVATE, voice=True), "dk_bot", 42)
    assert not is_addressed_to_bot(_message(PRIVATE, text="/help"), "dk_bot", 42)
    assert is_addressed_to_bot(_message(PRIVATE, text="/ask vacation?"), "dk_bot", 42)


def test_groups_need_a_mention_a_reply_or_ask() -> None:
    mention = MessageEntity(MessageEntity.MENTION, 0, 7)
    assert not is_addressed_to_bot(_message(GROUP, text="lunch?"), "dk_bot", 42)
    assert is_addressed_to_bot(_message(GROUP, text="@dk_bot vacation?", entities=(mention,)), "dk_bot", 42)
    assert is_addressed_to_bot(_message(GROUP, text="and interns?", reply_to_bot=True), "dk_bot", 42)
    assert is_addressed_to_bot(_message(GROUP, text="/ask@dk_bot vacation?"), "dk_bot", 42)


def test_group_voice_counts_only_as_a_reply_to_the_bot_or_where_configured() -> None:
    assert not is_addressed_to_bot(_message(GROUP, voice=True), "dk_bot", 42)
    assert is_addressed_to_bot(_message(GROUP, voice=True, reply_to_bot=True), "dk_bot", 42)
    assert is_addressed_to_bot(_message(GROUP, voice=True), "dk_bot", 42, transcribe_all=True)
