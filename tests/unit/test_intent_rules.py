"""Intent rules, the small-talk reply key, the LLM fallback (against a loopback HTTP stand-in) and the dialects."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scenarios.intents import load_labelled
from bot.dialog.intents import Intent, IntentClassifier, classify_by_rules, smalltalk_key
from inference.llm import LLMClient, structured_output
from tests.support.openai_stand_in import StandIn, serve_stand_in

ROOT = Path(__file__).resolve().parents[2]

RULE_CASES = [
    # requests for a human
    ("Позовите, пожалуйста, живого человека", "human"),
    ("соедините с оператором", "human"),
    ("Хочу поговорить с менеджером", "human"),
    ("Переключите меня на специалиста", "human"),
    ("Бот, ты меня не понимаешь. Нужен человек.", "human"),
    ("talk to a human", "human"),
    ("Connect me to an operator please", "human"),
    ("I need a human, this bot is useless", "human"),
    ("Please let me speak with your manager", "human"),
    ("Human please", "human"),
    # requests for a meeting
    ("давайте созвонимся завтра в 15:00", "meeting"),
    ("Назначь встречу с Ивановым на пятницу", "meeting"),
    ("Запланируй, пожалуйста, звонок с отделом продаж на четверг", "meeting"),
    ("Есть время на звонок в четверг?", "meeting"),
    ("book a meeting with the sales team for Tuesday", "meeting"),
    ("Please set up a 30-minute sync with Anna next week", "meeting"),
    ("Could we meet on Thursday at 10?", "meeting"),
    ("Are you free for a quick call tomorrow?", "meeting"),
    # small talk
    ("привет!", "smalltalk"),
    ("Спасибо, всё понятно", "smalltalk"),
    ("Как дела?", "smalltalk"),
    ("Great, thanks!", "smalltalk"),
    ("Have a nice weekend!", "smalltalk"),
    ("ок", "smalltalk"),
    # hard negatives: questions that name meetings, people, support, thanks or greetings — no rule claims them
    ("какой регламент у встреч с клиентами?", None),
    ("Как связаться с поддержкой?", None),
    ("How do I book a meeting room?", None),
    ("Спасибо, а сколько дней отпуска?", None),
    ("Привет! Как оформить командировку?", None),
    ("Hi, how do I reset my password?", None),
    ("Подскажите, как назначить встречу через корпоративный календарь?", None),
    ("Could you tell me how to schedule a meeting with HR?", None),
    ("Нужен ли менеджер для согласования отпуска?", None),
    ("Do I need to speak with the manager before taking leave?", None),
    ("Можно ли поставить встречу на выходной день?", None),
    ("Is it possible to schedule meetings outside working hours?", None),
    ("What happens after I ask to talk to a person?", None),
    ("Кто организует встречу с новыми сотрудниками?", None),
    ("Привет, как дела с моей заявкой на отпуск?", None),
    ("Переведи на английский: доброе утро", "other"),
    # meetings with no meeting verb: a time and a length, or a meeting word and a day in any date form
    ("Послезавтра в 12 на 40 минут с Анной", "meeting"),
    ("созвон в ср в 10", "meeting"),
    ("grab 20 min with me on the 9th at 4pm", "meeting"),
    ("книжка на час", None),  # a length alone is not a meeting
    ("во сколько в пятницу открывается столовая?", None),  # a day, no meeting word: a question
    # other: arithmetic, creative tasks, spam, keyboard mash, test pings
    ("сколько будет 128 разделить на 4", "other"),
    ("напиши мне сказку про дракона", "other"),
    ("Tell me a joke about lawyers", "other"),
    ("БЕСПЛАТНАЯ КРИПТА!!! переходи по ссылке", "other"),
    ("йцукенг", "other"),
    ("проверка связи", "other"),
    ("Сколько стоит доставка в Казань?", None),
    ("", None),
    ("   ", None),
]

# The word classes and structures of intent_lexicon.py, by class: slang, typos, emoji, translit, the wrong layout.
# Phrases written for these tests, not taken from any benchmark set.
CLASS_CASES = [
    # small talk: greetings, thanks, goodbyes, compliments, wishes, acknowledgements, emoji only
    ("привееет 👋", "smalltalk"), ("heyyy there", "smalltalk"), ("здрасьте", "smalltalk"),
    ("вечер добрый", "smalltalk"),
    ("пасиб", "smalltalk"), ("спасибки!!", "smalltalk"), ("сенкс", "smalltalk"), ("благодарочка)", "smalltalk"),
    ("от души, бро", "smalltalk"), ("thx!", "smalltalk"), ("ty", "smalltalk"), ("tysm 🙏", "smalltalk"),
    ("cheers mate", "smalltalk"), ("👍👍", "smalltalk"), ("🙏", "smalltalk"), ("))", "smalltalk"),
    ("ты просто лучший бот", "smalltalk"), ("good bot", "smalltalk"), ("you're a legend", "smalltalk"),
    ("как жизнь?", "smalltalk"), ("hru", "smalltalk"), ("с пятницей, коллеги!", "smalltalk"),
    ("happy new year!", "smalltalk"), ("ну ок, понял", "smalltalk"), ("got it, thanks a bunch", "smalltalk"),
    ("ахахах", "smalltalk"), ("lol ok", "smalltalk"), ("до связи!", "smalltalk"), ("take care", "smalltalk"),
    ("spasibo bolshoe", "smalltalk"), ("ghbdtn", "smalltalk"),  # translit; «привет» typed in the English layout
    # a person: many verbs, many names for a person, the bot refused, anyone alive
    ("переключите меня на живого оператора", "human"), ("передайте мой вопрос специалисту", "human"),
    ("можно с кем-нибудь из сотрудников пообщаться?", "human"), ("менеджера позовите плиз", "human"),
    ("есть тут кто живой?", "human"), ("не хочу переписываться с роботом", "human"), ("оператора мне!", "human"),
    ("let me speak to a real person", "human"), ("agent pls", "human"), ("can someone from your team call me", "human"),
    ("i'd like to talk to a human, not a bot", "human"), ("anybody there?", "human"),
    ("pozovite operatora", "human"),  # translit
    # a meeting: a scheduling verb and a meeting word, a proposal, availability, or a time with a length
    ("го созвон в чт после обеда", "meeting"), ("давай пересечёмся завтра в 11", "meeting"),
    ("закинь в календарь синк с дизайнерами на среду", "meeting"), ("отмени наш созвон в 16", "meeting"),
    ("перенеси демо с клиентом на понедельник", "meeting"), ("когда вам удобно встретиться?", "meeting"),
    ("в понедельник в 12 минут на 45", "meeting"), ("quick zoom at 5 today?", "meeting"),
    ("let's catch up on thursday", "meeting"), ("reschedule my 3pm to friday", "meeting"),
    ("can we hop on a call tomorrow morning", "meeting"), ("book 20 min with the ops team on tuesday", "meeting"),
    # other: arithmetic, generation, translation, mash by letter statistics, pings, notices, world knowledge, spam
    ("(12+8)*5", "other"), ("сколько будет 9 в кубе", "other"), ("what's 18% of 250", "other"),
    ("придумай слоган для автомойки", "other"), ("напиши скрипт на bash для бэкапа", "other"),
    ("write me a short rap about mondays", "other"), ("переведи на итальянский «доброе утро»", "other"),
    ("how do you say thank you in japanese", "other"), ("dfgdfgdfg", "other"), ("пролдж", "other"),
    ("лоывалдо", "other"), ("test test 123", "other"), ("опаздываю, буду минут через 10", "other"),
    ("сегодня на удалёнке", "other"), ("скинул счёт в почту", "other"), ("sorry, wrong chat", "other"),
    ("omw", "other"), ("какая погода в казани на выходных", "other"), ("what's the capital of peru", "other"),
    ("who won the match last night", "other"), ("какая высота эльбруса", "other"),
    ("ЛЁГКИЙ ЗАРАБОТОК 700$ В ДЕНЬ, пиши в лс", "other"),
    # hard negatives: a question about a meeting, a person or a status; signs that only look like a sum
    ("встреча в пятницу в 11 — в какой переговорке?", None), ("планёрка в 9 или в 10?", None),
    ("is the 2pm sync still on?", None), ("как перенести созвон в календаре", None), ("где ссылка на зум", None),
    ("как связаться с живым оператором?", None), ("оператор не отвечает второй день", None),
    ("i need someone to fix my printer", None), ("дайте номер менеджера", None), ("нужна поддержка по 1с", None),
    ("отправил документы, а ответа нет", None), ("опоздал на смену, что будет?", None),
    ("переведи мне остаток зарплаты на другую карту", None), ("расскажи про программу лояльности", None),
    ("посчитай стоимость доставки 5 кг", None), ("15:30", None), ("8-800-100-20-30", None),
    ("how tall can the standing desk go", None), ("who won the hackathon last month", None),
    ("бонус не начислили!!", None), ("спасибо, а где заявление?", None), ("привет, не работает впн", None),
    ("html css js", None), ("как там погода у вас", None),
]


@pytest.mark.parametrize(("text", "expected"), RULE_CASES)
def test_rule_table(text: str, expected: str | None) -> None:
    result = classify_by_rules(text)
    if expected is None:
        assert result is None, f"{text!r} was claimed as {result}"
        return
    assert result is not None, f"no rule claimed {text!r}"
    assert (result.intent.value, result.confidence, result.path) == (expected, 1.0, "rule")


@pytest.mark.parametrize(("text", "expected"), CLASS_CASES)
def test_word_classes(text: str, expected: str | None) -> None:
    test_rule_table(text, expected)


def test_a_long_text_is_left_to_the_llm_quickly() -> None:
    import time

    started = time.perf_counter()
    assert classify_by_rules("а" * 5000) is None and classify_by_rules("спасибо " * 300) is None
    assert time.perf_counter() - started < 1.0


def test_rules_precision_on_the_labelled_sets() -> None:
    """The issue's target: ≥ 95 % precision on what the rules claim, and they must claim a useful share."""
    tuning = ROOT / "benchmarks/tuning"
    items = load_labelled([tuning / "intents_labelled.tsv", tuning / "intents_holdout.tsv"])
    assert len(items) >= 160 and {i.intent for i in items} == {i.value for i in Intent}
    claimed = [(item.intent, c.intent.value) for item in items if (c := classify_by_rules(item.text))]
    precision = sum(t == p for t, p in claimed) / len(claimed)
    assert precision >= 0.95, precision
    assert len(claimed) / len(items) >= 0.3


def _rules_then_question(paths: list[Path]) -> tuple[float, dict[str, float]]:
    """Accuracy of the bot with DK_INTENTS__LLM=auto on llama.cpp (rules, else a question), overall and per label."""
    items = load_labelled(paths)
    decided = [(i.intent, c.intent.value if (c := classify_by_rules(i.text)) else "question") for i in items]
    per_label = {label: sum(t == p for t, p in decided if t == label) / sum(t == label for t, _ in decided)
                 for label in {t for t, _ in decided}}
    return sum(t == p for t, p in decided) / len(decided), per_label


def test_frozen_intent_set_regression_slice() -> None:
    """The frozen set (written before tuning): reported 130/130; thresholds a little under, per label too."""
    accuracy, per_label = _rules_then_question([ROOT / "benchmarks/frozen/intents.tsv"])
    assert accuracy >= 0.95, per_label
    assert set(per_label) == {i.value for i in Intent} and min(per_label.values()) >= 0.85, per_label
    tuning = ROOT / "benchmarks/tuning"
    accuracy, per_label = _rules_then_question([tuning / "intents_labelled.tsv", tuning / "intents_holdout.tsv"])
    assert accuracy >= 0.95, per_label  # reported 243/246; «кофемашина сломалась» (a statement) stays a question
    accuracy, per_label = _rules_then_question([ROOT / "benchmarks/tuning2/intents.tsv"])
    assert accuracy >= 0.95 and min(per_label.values()) >= 0.85, per_label  # reported 70/70
    accuracy, per_label = _rules_then_question([ROOT / "benchmarks/tuning3/intents.tsv"])
    assert accuracy >= 0.97 and min(per_label.values()) >= 0.9, per_label  # 114/120 blind, 120/120 after its round


def test_blind_frozen2_intent_set_regression_slice() -> None:
    """frozen2 (written blind, never tuned on): reported 126/140 = 90.0 %, then 128/140; thresholds a little under.

    Only the figures are asserted, never the messages: a failure here is fixed on the tuning sets.
    """
    accuracy, per_label = _rules_then_question([ROOT / "benchmarks/frozen2/intents.tsv"])
    assert accuracy >= 0.9, per_label
    assert min(per_label.values()) >= 0.7, per_label  # the weakest labels, human and other, reported 0.75


@pytest.mark.parametrize(("text", "key"), [
    ("Спасибо большое!", "smalltalk_thanks"), ("thank you so much", "smalltalk_thanks"),
    ("Благодарю за помощь", "smalltalk_thanks"), ("Пока!", "smalltalk_bye"), ("goodbye", "smalltalk_bye"),
    ("До свидания", "smalltalk_bye"), ("привет!", "smalltalk_hello"), ("Доброе утро, бот", "smalltalk_hello"),
    ("hello!", "smalltalk_hello"), ("Hey bot", "smalltalk_hello"), ("ок", "smalltalk_other"),
    ("Ты молодец", "smalltalk_other"), ("Привет, спасибо!", "smalltalk_thanks"), ("пасибки", "smalltalk_thanks"),
    ("хорошего вечера", "smalltalk_bye"), ("heyyy", "smalltalk_hello"), ("cya", "smalltalk_bye")])
def test_smalltalk_key(text: str, key: str) -> None:
    assert smalltalk_key(text) == key


def test_structured_output_dialects() -> None:
    schema = {"type": "object", "properties": {"intent": {"type": "string"}}, "required": ["intent"]}
    assert structured_output("llamacpp", schema) == {"response_format": {"type": "json_object", "schema": schema}}
    vllm = structured_output("vllm", schema)["response_format"]
    assert vllm["type"] == "json_schema"
    assert vllm["json_schema"]["schema"] == schema and vllm["json_schema"]["name"]
    assert "schema" not in vllm  # vLLM's OpenAI form carries the schema only inside json_schema


@pytest.fixture
async def openai_stand_in() -> AsyncIterator[StandIn]:
    """A loopback OpenAI-compatible server with a fixed reply (tests/support/openai_stand_in.py)."""
    async with serve_stand_in() as state:
        yield state


def _client(base_url: str) -> LLMClient:
    return LLMClient(base_url=base_url, api_key="local", model="stand-in", timeout_s=5, connect_timeout_s=1,
                     retries=0, max_tokens=16, temperature=0)


@pytest.mark.parametrize(("content", "intent", "confidence", "path"), [
    ('{"intent": "meeting", "confidence": 0.9}', "meeting", 0.9, "llm"),
    ('{"intent": "human", "confidence": 1.7}', "question", 0.0, "default"),  # out of range: llama.cpp ignores bounds
    ('{"intent": "meeting", "confidence": 0.3}', "question", 0.3, "llm"),  # too unsure: a question
    ('{"intent": "weather", "confidence": 0.9}', "question", 0.0, "default"),  # not one of the five
    ('{"intent": "meeting", "confidence": "very"}', "question", 0.0, "default"),
    ("not json at all", "question", 0.0, "default"),
    ('["meeting", 0.9]', "question", 0.0, "default"),  # JSON, but not an object
])
async def test_llm_reply_or_fallback_to_question(openai_stand_in: StandIn, content: str, intent: str,
                                                 confidence: float, path: str) -> None:
    openai_stand_in.content = content
    client = _client(openai_stand_in.base_url)
    result = await IntentClassifier(client, min_confidence=0.6, use_llm="on").classify("что-то непонятное")
    await client.aclose()
    assert (result.intent.value, result.confidence, result.path) == (intent, confidence, path)
    (sent,) = openai_stand_in.requests
    assert sent["temperature"] == 0 and sent["messages"][-1] == {"role": "user", "content": "что-то непонятное"}


async def test_rules_decide_without_asking_the_llm(openai_stand_in: StandIn) -> None:
    openai_stand_in.content = '{"intent": "other", "confidence": 0.99}'
    client = _client(openai_stand_in.base_url)
    result = await IntentClassifier(client, use_llm="on").classify("Позовите человека")
    await client.aclose()
    assert (result.intent, result.path) == (Intent.human, "rule")
    assert openai_stand_in.requests == []


@pytest.mark.parametrize(("owner", "use_llm", "dialect"), [
    ("llamacpp", "on", "json_object"), ("vllm", "on", "json_schema"), ("vllm", "auto", "json_schema"),
    ("llamacpp", "auto", None), ("vllm", "off", None)])
async def test_the_server_kind_picks_the_dialect_and_auto_asks_only_vllm(
        openai_stand_in: StandIn, owner: str, use_llm: Any, dialect: str | None) -> None:
    """``auto`` asks the LLM only on vLLM (a 7B+ model); the request uses the dialect /models revealed."""
    openai_stand_in.owner = owner
    openai_stand_in.content = '{"intent": "smalltalk", "confidence": 0.8}'
    client = _client(openai_stand_in.base_url)
    result = await IntentClassifier(client, use_llm=use_llm).classify("как там погода у вас")
    await client.aclose()
    if dialect is None:
        assert openai_stand_in.requests == []
        assert (result.intent, result.path) == (Intent.question, "default")
        return
    (sent,) = openai_stand_in.requests
    assert sent["response_format"]["type"] == dialect
    schema = sent["response_format"]["schema"] if dialect == "json_object" else \
        sent["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]["intent"]["enum"]) == {i.value for i in Intent}
    assert json.loads(openai_stand_in.content)["intent"] == result.intent.value == "smalltalk"


async def test_an_unreachable_server_counts_as_a_question() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = _client(f"http://127.0.0.1:{port}/v1")
    for use_llm in ("on", "auto"):
        result = await IntentClassifier(client, use_llm=use_llm).classify("что-то непонятное")  # type: ignore[arg-type]
        assert (result.intent, result.path) == (Intent.question, "default")
    await client.aclose()
