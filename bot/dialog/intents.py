"""What a message wants: question, meeting, human, smalltalk or other — rules first, then the LLM.

The rules are short, high-precision phrase patterns (Russian and English): they decide only what they are sure
of. Everything else goes to the local LLM with a JSON schema; a low-confidence or invalid reply counts as a
question, because answering from the knowledge base (or saying honestly that nothing was found) is the safe
default.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from typing import Literal

from bot import metrics
from inference.llm import ChatMessage, LLMClient, LLMError

log = logging.getLogger(__name__)


class Intent(enum.StrEnum):
    """The five things a message can want."""

    question = "question"
    meeting = "meeting"
    human = "human"
    smalltalk = "smalltalk"
    other = "other"


@dataclass(frozen=True)
class Classification:
    """An intent, how sure we are, and which path decided it (``rule`` or ``llm``; ``default`` on failure)."""

    intent: Intent
    confidence: float
    path: str


# Each pattern must be unambiguous on its own: "встреча" alone is not a meeting request («какой регламент у
# встреч с клиентами?» is a question), but «давайте созвонимся» is. benchmarks/intents_labelled.tsv holds the
# hard negatives; `python -m benchmarks run intents` measures the rules' precision on what they claim.
_HUMAN = re.compile(
    r"(позов\w*|позвать|зов\w*|соедин\w*|переключ\w*|перевед\w*|свяж\w*|дай\w*|нужен(?!\s+ли\b)|"
    r"нужна(?!\s+ли\b)|хочу\s+(?:поговорить|связаться|общаться|пообщаться))[\s,]+(?:[\w,]+\s+){0,3}?(?:с\s+)?"
    r"(?:жив\w+\s+)?(человек\w*|оператор\w*|менеджер\w*|специалист\w*|сотрудник\w*|поддержк\w*|админ\w*)"
    r"|жив\w+\s+(?:человек\w*|оператор\w*|специалист\w*|сотрудник\w*|людьми)"
    r"|\bкем-?(?:то|нибудь)\s+жив\w+"
    r"|\b(?:пусть|попросите)\s+(?:\w+\s+){0,2}?свяж\w*|\bсвяжитесь\s+со\s+мной\b"
    r"|^\W*(?:можно|дайте|позовите)?\s*(?:жив\w+\s+)?(?:оператор|человек)(?:а|\s*,?\s*пожалуйста)?\W*$"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|your\s+|some\s+)?(?:real\s+|live\s+)?"
    r"(?:human|person|operator|agent|manager|someone|somebody|support)"
    r"|\b(?:connect|transfer|put)\s+me\s+(?:to|through\s+to|with)\b"
    r"|\b(?:human|live)\s+(?:agent|operator|support)\b|\b(?:real|live)\s+(?:person|human)\b"
    r"|\b(?:i\s+(?:want|need)|get\s+me)\s+(?:a\s+)?(?:real\s+)?(?:human|person|operator)\b"
    r"|^\W*(?:a\s+)?(?:human|operator|live\s+agent)(?:[\s,]+please)?\W*$",
    re.IGNORECASE)
_MEETING = re.compile(
    r"давай(?:те)?\s+(?:\w+\s+)?(?:созвон\w*|встрет\w*|увид\w*|сид\w*)"
    r"|(?:назнач\w*|запланир\w*|организ\w*|постав\w*|забронир\w*|устро\w*)(?:[\s,]+пожалуйста)?[\s,]+"
    r"(?:\w+\s+){0,2}?(?:встреч\w*|созвон\w*|звонок|совещани\w*|митинг\w*|колл\w*)"
    r"|(?:можно|хочу|хотим|хотел\w*|надо|нужно)\s+(?:бы\s+)?(?:\w+\s+)?(?:созвониться|встретиться)"
    r"|\bесть\s+(?:ли\s+)?(?:у\s+вас\s+)?время\s+(?:на|для)\s+(?:\w+\s+)?(?:звон\w*|созвон\w*|встреч\w*)"
    r"|\b(?:book|schedule|set\s+up|arrange|organi[sz]e|plan|put)\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:meeting|call|sync|appointment)\b"  # the singular: "schedule meetings outside hours" is about policy
    r"|\blet'?s\s+(?:have\s+a\s+)?(?:meet|call|talk\s+on\s+a\s+call|sync)\b"
    r"|\b(?:can|could|shall)\s+we\s+(?:meet|have\s+a\s+(?:call|meeting)|hop\s+on\s+a\s+call)\b"
    r"|\b(?:free|available)\s+for\s+a\s+(?:\w+\s+)?(?:call|meeting)\b"
    r"|\b(?:need|want|would\s+like|'d\s+like)\s+(?:a|an)\s+(?:[\w-]+\s+)?(?:meeting|call)\s+with\b"
    r"|\bslot\s+for\s+a\s+(?:\w+\s+)?(?:meeting|call)\b",
    re.IGNORECASE)
# "How do I book a meeting room?" asks how something is done: a question, not a request to book. Also «подскажите,
# как назначить встречу…», "could you tell me how to schedule…" (a how-to anywhere) and "do I need to…".
_PROCEDURE = re.compile(r"\broom\b|переговорн\w*|\bhow\s+(?:to|do|does|can|should|could)\b"
                        r"|\bкак\s+(?:мне\s+|нам\s+)?\w+(?:ть|ться|ти)\b", re.IGNORECASE)
# Asking whether something is needed or how it is done, not asking for it: «нужен ли менеджер…», "do I need to
# speak with the manager before…".
_ASKS_ABOUT = re.compile(r"\b(?:нужен|нужна|нужно|нужны|надо|обязательно|можно|возможно)\s+ли\b"
                         r"|^\W*(?:do|does|should|must|shall)\s+(?:i|we|one|employees?|staff)\b"
                         r"|\bis\s+it\s+(?:possible|ok|okay|allowed)\b", re.IGNORECASE)
# A message opening with a question word asks about something, even when it names a person or a meeting.
_WH_START = re.compile(r"^\W*(?:how|what|where|which|why|who|when|когда|как|какой|какая|какие|каков\w*|где|что|"
                       r"почему|зачем|кто)\b", re.IGNORECASE)
_SMALLTALK_PART = (
    r"(?:привет\w*|здравствуй\w*|добр\w+\s+(?:утро|день|вечер)|доброе\s+утро|хай|салют|спасибо\w*|благодарю|спс|"
    r"пока|до\s+свидания|хорошего\s+(?:дня|вечера|выходных)|как\s+(?:дела|ты|поживаешь)|ты\s+(?:кто|молодец)|"
    r"кто\s+ты|молодец|понял\w*|ок|окей|понятно|ясно|отлично|супер|всё|все|за\s+помощь|"
    r"hi|hello|hey|good\s+(?:morning|afternoon|evening)|thanks?(?:\s+you)?|thank\s+you|thx|bye|goodbye|"
    r"have\s+a\s+(?:nice|good|great)\s+(?:day|weekend|evening)|how\s+are\s+you(?:\s+doing)?|what'?s\s+up|"
    r"nice\s+to\s+meet\s+you|you(?:'re|\s+are)\s+(?:awesome|great|the\s+best)|ok|okay|got\s+it|great|cool|"
    r"that\s+helped|for\s+(?:the|your)\s+help)")
_SMALLTALK = re.compile(
    rf"^\W*{_SMALLTALK_PART}(?:[\s,.!]+(?:{_SMALLTALK_PART}|бот|bot|друг|friend|a\s+lot|very\s+much|so\s+much|"
    r"большое|огромное|такой))*\W*$",
    re.IGNORECASE)

_SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["intent", "confidence"],
}
_SYSTEM = (
    "Classify the user's message for a company assistant. intent is one of: question (asks for information, "
    "including about meetings or people), meeting (asks to schedule a call or meeting), human (asks to talk to "
    "a person, operator or support), smalltalk (greeting, thanks, chit-chat), other. Answer JSON only: "
    '{"intent": …, "confidence": 0..1}.'
)


_THANKS = re.compile(r"спасиб|благодар|спс|thank|thx", re.IGNORECASE)
_BYE = re.compile(r"пока|свидани|bye", re.IGNORECASE)
_HELLO = re.compile(r"привет|здравств|добр|хай|салют|hi\b|hello|hey|good\s", re.IGNORECASE)


def smalltalk_key(text: str) -> str:
    """The i18n key of the short reply to a small-talk message."""
    for pattern, key in ((_THANKS, "smalltalk_thanks"), (_BYE, "smalltalk_bye"), (_HELLO, "smalltalk_hello")):
        if pattern.search(text):
            return key
    return "smalltalk_other"


def classify_by_rules(text: str) -> Classification | None:
    """The intent when a high-precision phrase rule matches, else None."""
    words = text.strip()
    if not words:
        return None
    asks_about = _WH_START.search(words) or _ASKS_ABOUT.search(words)
    if _HUMAN.search(words) and not asks_about:
        return Classification(Intent.human, 1.0, "rule")
    if _MEETING.search(words) and not asks_about and not _PROCEDURE.search(words):
        return Classification(Intent.meeting, 1.0, "rule")
    if _SMALLTALK.match(words):
        return Classification(Intent.smalltalk, 1.0, "rule")
    return None


class IntentClassifier:
    """Rules, then the LLM by JSON schema; below ``min_confidence`` or on any failure: a question."""

    def __init__(self, llm: LLMClient | None, *, min_confidence: float = 0.6,
                 use_llm: Literal["auto", "on", "off"] = "auto") -> None:
        self._llm = llm
        self._min_confidence = min_confidence
        self._use_llm = use_llm

    async def classify(self, text: str) -> Classification:
        """Classify one message and count it in ``dk_intents_total``."""
        result = classify_by_rules(text) or await self._by_llm(text)
        metrics.INTENTS.labels(result.intent.value, result.path).inc()
        return result

    async def classify_by_llm(self, text: str) -> Classification:
        """The LLM path alone (no rules, not counted): what the model decides, or the ``question`` default."""
        return await self._by_llm(text)

    async def _llm_decides(self) -> bool:
        if self._llm is None or self._use_llm == "off":
            return False
        if self._use_llm == "on":
            return True
        try:
            return await self._llm.resolved_kind() == "vllm"
        except LLMError:
            return False  # the answer path reports the server; classification must not fail the message

    async def _by_llm(self, text: str) -> Classification:
        if self._llm is None or not await self._llm_decides():
            return Classification(Intent.question, 0.0, "default")
        try:
            reply = await self._llm.complete_json(
                [ChatMessage("system", _SYSTEM), ChatMessage("user", text[:1000])], _SCHEMA, max_tokens=24)
            intent = Intent(str(reply.get("intent", "")))
            confidence = float(reply.get("confidence", 0.0))
            if not 0.0 <= confidence <= 1.0:  # llama.cpp's grammar does not enforce the schema's bounds
                raise ValueError(f"confidence {confidence} is outside 0..1")
        except (LLMError, ValueError, TypeError) as exc:
            log.info("intent by LLM failed, treating as a question: %s", exc)
            return Classification(Intent.question, 0.0, "default")
        if confidence < self._min_confidence:
            return Classification(Intent.question, confidence, "llm")
        return Classification(intent, round(min(confidence, 1.0), 3), "llm")
