"""Escalation end to end: the bot over the Bot API emulator, a real ticket worker, the Kaiten stand-in.

The «Позвать человека» callback and replies to ticket messages reach the escalation service through the dialog
pipeline, as in production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.dialog.escalation import EscalationService, Requester
from bot.store.escalation_models import EscalationMessage
from bot.store.models import AnswerRecord, Escalation, EscalationStatus
from tests.escalation.conftest import bot_says, sent_texts, ticket_worker, tracker_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.kaiten_standin import AGENT, BOT_USER, DONE_COLUMN, KaitenStandIn
from tests.telegram.conftest import ADMIN_CHAT_ID, ALICE_ID, BotUnderTest, eventually, rows, start_bot, stop_bot

VACATION = "How many vacation days do I get per year?"


_rows = rows


async def _asked(bot: BotUnderTest, tg: BotApiEmulator) -> tuple[Any, AnswerRecord]:
    alice = tg.user(ALICE_ID, "Alice", "alice")
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    try:
        reply = await bot.final_reply(ALICE_ID, timeout=120)
    except TimeoutError:
        for c in tg.calls:
            if c.method != "getUpdates":
                print("CALL", c.method, str(c.params)[:200], c.error)
        raise
    await eventually(lambda: bool(_rows(bot, AnswerRecord)) and _rows(bot, AnswerRecord)[0].reply_telegram_id)
    return reply, _rows(bot, AnswerRecord)[0]


async def test_three_presses_make_one_card_with_the_transcript_even_when_the_create_response_is_lost(
        tg: BotApiEmulator, kb: Any, tmp_path: Path, kaiten: KaitenStandIn, tickets_queue: str) -> None:
    settings = tracker_settings(kaiten, tickets_queue)
    kaiten.faults.lose_create_responses = 1
    with ticket_worker(tmp_path, settings):
        bot = await start_bot(tg, kb, tmp_path, **settings)
        try:
            reply, answer = await _asked(bot, tg)
            alice = tg.user(ALICE_ID, "Alice", "alice")
            for _ in range(3):
                await tg.inject_callback_query(reply, alice, f"human:{answer.id}")
            created = await bot_says(tg, ALICE_ID, "Заявка №")
            await eventually(lambda: len([t for t in sent_texts(tg, ALICE_ID) if "уже позван" in t]) == 2)
            await bot.settled()  # all three presses handled: a stray notice would be sent by now
        finally:
            await stop_bot(bot)
    [card] = kaiten.cards.values()
    assert f"Заявка №{card['id']} создана" in created.params["text"]
    assert created.params["reply_parameters"]["message_id"] == answer_question_telegram_id(bot, answer), \
        "the ticket notice replies to the user's question"
    assert card["title"] == VACATION and card["external_id"].startswith("dk:")
    assert "Alice (@alice)" in card["description"] and "Vacation and Leave Policy" in card["description"]
    assert VACATION in card["description"] and "### Последние сообщения" in card["description"]
    assert {t["name"] for t in card["tags"]} == {"dialog-keeper", "button"}
    [escalation] = _rows(bot, Escalation)
    assert escalation.ticket_id == str(card["id"]) and escalation.status == EscalationStatus.created
    notices = [t for t in sent_texts(tg, ADMIN_CHAT_ID) if VACATION in t]
    assert len(notices) == 1, "one admin notice for three presses"
    assert "tg://user?id=701" in notices[0] and "@alice" in notices[0] and "id 701" in notices[0]
    assert f"/{card['id']}" in notices[0], "the notice links the card"
    assert sum("Заявка №" in t and "создана" in t for t in sent_texts(tg, ALICE_ID)) == 1


async def test_kaiten_down_user_told_once_card_created_later(
        tg: BotApiEmulator, kb: Any, tmp_path: Path, kaiten: KaitenStandIn, tickets_queue: str) -> None:
    settings = tracker_settings(kaiten, tickets_queue)
    settings["tracker"]["wait_s"] = 2
    kaiten.faults.down = True
    with ticket_worker(tmp_path, settings):
        bot = await start_bot(tg, kb, tmp_path, **settings)
        try:
            _, answer = await _asked(bot, tg)
            service: EscalationService = bot.container.escalations
            result = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                           source="not_found", answer_id=answer.id)
            assert result.created and result.ticket_id is None and result.status == "queued"
            await bot_says(tg, ALICE_ID, "Запрос сохранён")
            # a barrier: one whole job attempt failed against the dead tracker (RQ retries the job later)
            await eventually(lambda: _rows(bot, Escalation)[0].attempts >= 1, timeout=60)
            assert kaiten.cards == {} and any(status == 503 for *_, status in kaiten.requests)
            kaiten.faults.down = False
            created = await bot_says(tg, ALICE_ID, "Заявка №", timeout=40)
        finally:
            await stop_bot(bot)
    [card] = kaiten.cards.values()
    assert f"№{card['id']}" in created.params["text"]
    assert sum("Запрос сохранён" in t for t in sent_texts(tg, ALICE_ID)) == 1, "told once that it is saved"
    [escalation] = _rows(bot, Escalation)
    assert escalation.attempts >= 2 and escalation.status == "created"


async def test_support_comment_reaches_the_chat_reply_reaches_the_card_done_resolves(
        tg: BotApiEmulator, kb: Any, tmp_path: Path, kaiten: KaitenStandIn, tickets_queue: str) -> None:
    settings = tracker_settings(kaiten, tickets_queue)
    with ticket_worker(tmp_path, settings):
        bot = await start_bot(tg, kb, tmp_path, **settings)
        try:
            _, answer = await _asked(bot, tg)
            service: EscalationService = bot.container.escalations
            result = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                           source="thumbs_down", answer_id=answer.id)
            assert result.ticket_id is not None
            card_id = int(result.ticket_id)
            kaiten.comment(card_id, "Внутренняя заметка", internal=True)
            kaiten.comment(card_id, "Комментарий бота", author=BOT_USER)
            kaiten.comment(card_id, "Вам положено 28 дней, заявление в HR-портале.", author=AGENT)
            relayed = await bot_says(tg, ALICE_ID, "Вам положено 28 дней")
            polled = len(kaiten.requests)  # a barrier: two more polls of the card's comments, then count
            await eventually(lambda: sum(1 for _, method, path, _ in kaiten.requests[polled:]
                                         if method == "GET" and path.endswith(f"cards/{card_id}/comments")) >= 2,
                             timeout=30)
            assert sum("28 дней" in t for t in sent_texts(tg, ALICE_ID)) == 1
            assert not any("Внутренняя" in t or "Комментарий бота" in t for t in sent_texts(tg, ALICE_ID))
            question_id = answer_question_telegram_id(bot, answer)
            assert relayed.params["reply_parameters"]["message_id"] == question_id
            # the user answers the relayed message in the chat: the pipeline puts it on the card, no model answer
            relayed_id = int(relayed.result["message_id"])
            alice = tg.user(ALICE_ID, "Alice", "alice")
            since = tg.mark()
            await tg.inject_message(tg.private_chat(alice), alice, "Спасибо, нашёл!", reply_to=relayed_id)
            await eventually(lambda: kaiten.comments[card_id][-1]["text"].endswith("Спасибо, нашёл!"), 30)
            assert not [c for c in tg.calls[since:] if c.method in ("editMessageText", "sendMessageDraft")], \
                "not sent to the model"
            kaiten.move(card_id, DONE_COLUMN)
            await bot_says(tg, ALICE_ID, f"Заявка №{card_id} решена")
        finally:
            await stop_bot(bot)
    texts = [c["text"] for c in kaiten.comments[card_id]]
    assert texts[-1] == "**Alice (@alice)** (Telegram): Спасибо, нашёл!"
    assert kaiten.comments[card_id][-1]["author_id"] == BOT_USER["id"]
    assert _rows(bot, Escalation)[0].status == "resolved"
    assert {m.kind for m in _rows(bot, EscalationMessage)} == {"ticket", "comment"}


def answer_question_telegram_id(bot: BotUnderTest, answer: AnswerRecord) -> int:
    """The Telegram id of the user's question an answer belongs to."""
    from bot.store.models import Message

    with Session(bot.container.engine) as session:
        message = session.get_one(Message, answer.message_id)
        assert message.telegram_message_id is not None
        return message.telegram_message_id


async def test_an_english_app_user_who_never_sent_lang_gets_every_escalation_notice_in_english(
        tg: BotApiEmulator, kb: Any, tmp_path: Path, kaiten: KaitenStandIn, tickets_queue: str) -> None:
    settings = tracker_settings(kaiten, tickets_queue)  # the deployment's language stays the default, Russian
    with ticket_worker(tmp_path, settings):
        bot = await start_bot(tg, kb, tmp_path, **settings)
        try:
            alice = tg.user(ALICE_ID, "Alice", "alice", language_code="en")
            await tg.inject_message(tg.private_chat(alice), alice, VACATION)
            reply = await bot.final_reply(ALICE_ID, timeout=120)
            await eventually(lambda: bool(_rows(bot, AnswerRecord)) and _rows(bot, AnswerRecord)[0].reply_telegram_id)
            answer = _rows(bot, AnswerRecord)[0]
            await tg.inject_callback_query(reply, alice, f"human:{answer.id}")
            created = await bot_says(tg, ALICE_ID, "Ticket #")
            [card] = kaiten.cards.values()
            kaiten.comment(card["id"], "You get 28 days; apply in the HR portal.", author=AGENT)
            relayed = await bot_says(tg, ALICE_ID, "Support replied to ticket #")
            since = tg.mark()
            await tg.inject_message(tg.private_chat(alice), alice, "Thanks!",
                                    reply_to=int(relayed.result["message_id"]))
            await bot_says(tg, ALICE_ID, f"Added to ticket #{card['id']}", since=since)
            kaiten.move(card["id"], DONE_COLUMN)
            await bot_says(tg, ALICE_ID, f"Ticket #{card['id']} is resolved")
        finally:
            await stop_bot(bot)
    assert created.params["text"] == f"Ticket #{card['id']} is created; the answer will come here."
    notices = [t for t in sent_texts(tg, ALICE_ID) if "#" in t or "№" in t]
    assert len(notices) == 4 and not [t for t in notices if "Заявк" in t or "заявк" in t], notices
    assert _rows(bot, Escalation)[0].lang == "en"
