"""The hand-off forms of intents_human.py and the meeting-word slips: each rule's own cases and its hard negatives."""

from __future__ import annotations

import pytest

from bot.dialog.intents import classify_by_rules


def _decided(text: str) -> str | None:
    found = classify_by_rules(text)
    return found.intent.value if found else None


@pytest.mark.parametrize("text", [
    # help or a consultation from a person
    "мне нужна помощь человека, а не робота", "нужна консультация живого человека", "I need help from a real person",
    "I need assistance from a human", "need human help",
    # the chat taken over, a bare connecting verb, escalation
    "Can a human take over?", "верните деньги, я буду жаловаться. кто у вас главный? соедините", "transfer me",
    "эскалируйте пожалуйста, срочно, прод лежит", "прошу эскалировать мою заявку", "I want to escalate this",
    # a person instead of the bot, the bot called useless
    "I'd like to file a complaint with a person, not a bot", "бот тупит", "this bot is useless",
    # a complaint to lodge, someone to take the case, waiting for a person
    "хочу пожаловаться на вашего сотрудника", "I want to make a complaint", "дайте жалобную книгу",
    "пусть мной займется человек", "уже час жду ответа от оператора",
    # whole messages and last sentences that call for someone
    "is there anyone from support who can help me?", "is a human available?", "any humans here?", "hello? anyone?",
    "I've been waiting for an hour, is anyone there?", "кто-нибудь может мне помочь?", "ответьте кто-нибудь!!!",
    "можно ли поговорить с оператором?", "с человеком можно поговорить?", "who can I talk to? this bot is useless",
    "почему никто не отвечает? мне нужен человек", "who do I contact for a refund? I want to speak to someone now",
    # departments, call-backs and the lexicon's new words
    "соедините с бухгалтерией", "please connect me with sales", "transfer me to the billing department",
    "передайте руководству", "пусть мне перезвонят", "перезвоните пожалуйста по номеру 89161234567",
    "прошу связаться со мной", "can I get a call from a manager?", "let me talk to your boss",
    "could you put me in touch with someone", "please pass this to a human", "вызовите специалиста",
    "пригласите в чат сотрудника", "can I have a word with your manager",
])
def test_a_person_asked_for(text: str) -> None:
    assert _decided(text) == "human"


@pytest.mark.parametrize("text", [
    # a task for a person, not a person
    "нужна помощь специалиста по 1с с закрытием месяца", "нужна консультация юриста по договору аренды",
    "help from someone in finance to approve my expense", "can someone take over my project while I'm on vacation?",
    # connecting, transferring and escalating things, or asking how
    "соедините таблицы в одну", "переключите язык интерфейса", "how do I transfer my vacation days?",
    "как эскалировать инцидент?", "when do we escalate tickets?", "should I escalate this to my manager?",
    "connect the sales dashboard to crm",
    # the bot criticised while asking, a fault or a supplier complained about
    "бот не понимает вопросы про отпуск, где найти информацию?", "хочу пожаловаться на кофемашину",
    "как подать жалобу на поставщика?", "I want to complain about the coffee machine",
    "жду ответа от поставщика уже неделю",
    # who someone is, whom to ask about a topic, a manual
    "человек, а не бот, написал эту статью?", "this is a person not a bot account",
    "кто у нас отвечает за бухгалтерию?",
    "who can I talk to about my salary?", "кто-нибудь может помочь с excel?", "anyone know how to book a room?",
    "можно ли связаться с менеджером в выходные?", "связь с офисом пропала", "руководство пользователя crm",
    "дайте руководство по эксплуатации", "мной займется кто-то на следующей неделе?",
])
def test_not_a_person(text: str) -> None:
    assert _decided(text) != "human"


def test_a_call_back_at_a_time_is_no_hand_off() -> None:
    assert _decided("перезвоните мне завтра в 11") == "meeting"
    assert _decided("перезвоните пожалуйста завтра в 11") != "human"


@pytest.mark.parametrize(("text", "intent"), [
    ("давай встертимся завтра", "meeting"), ("можем созвонится на этой неделе? надо обсудить проект", "meeting"),
    ("как перенести встречу в outlook на другое время?", None),
])
def test_meeting_words_with_a_slip(text: str, intent: str | None) -> None:
    assert _decided(text) == intent
