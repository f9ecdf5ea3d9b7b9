"""User-facing sentences in Russian (default) and English, and a guess at a text's language."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ru", "en"]

TEXTS: dict[str, dict[Lang, str]] = {
    "not_found": {
        "ru": "В базе знаний нет ответа на этот вопрос. Попробуйте сформулировать иначе "
              "или попросите позвать человека.",
        "en": "The knowledge base has no answer to this question. Try rephrasing it, "
              "or ask for a human.",
    },
    "llm_unavailable": {
        "ru": "Языковая модель сейчас недоступна. Вопрос сохранён, попробуйте чуть позже.",
        "en": "The language model is unavailable right now. Your question is saved; please try again later.",
    },
    "llm_failed": {
        "ru": "Языковая модель не смогла ответить. Вопрос сохранён, попробуйте ещё раз.",
        "en": "The language model could not answer. Your question is saved; please try again.",
    },
    "empty_question": {
        "ru": "Вопрос пустой — напишите, что вы хотите узнать.",
        "en": "The question is empty — please write what you would like to know.",
    },
    "sources": {"ru": "Источники:", "en": "Sources:"},
    "no_sources": {"ru": "Источники: нет", "en": "Sources: none"},
    "model_missing": {
        "ru": "Модель не установлена: {detail}",
        "en": "A model is not installed: {detail}",
    },
    "chat_hint": {
        "ru": "Задавайте вопросы. /reset — забыть разговор, /exit — выйти.",
        "en": "Ask your questions. /reset forgets the conversation, /exit quits.",
    },
    "chat_reset": {"ru": "Разговор забыт.", "en": "Conversation forgotten."},
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The sentence ``key`` in ``lang``, with ``values`` filled in."""
    return TEXTS[key][lang].format(**values)


def detect_language(text: str, default: Lang = "ru") -> Lang:
    """"ru" when Cyrillic letters dominate, "en" when Latin ones do, else ``default``."""
    cyrillic = sum(1 for ch in text if "а" <= ch.lower() <= "я" or ch in "ёЁ")
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if cyrillic == latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
