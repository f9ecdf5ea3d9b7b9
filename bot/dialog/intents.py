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

from bot.ops import metrics
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
# встреч с клиентами?» is a question), but «давайте созвонимся» is.
_HUMAN = re.compile(
    r"(позов\w*|позвать|зов\w*|соедин\w*|переключ\w*|свяж\w*|дай\w*|нужен|нужна|хочу\s+(?:поговорить|"
    r"связаться|общаться|пообщаться))[\s,]+(?:[\w,]+\s+){0,3}?(?:с\s+)?(?:жив\w+\s+)?"
    r"(человек\w*|оператор\w*|менеджер\w*|специалист\w*|сотрудник\w*|поддержк\w*|админ\w*)"
    r"|жив\w+\s+(?:человек\w*|оператор\w*)"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+)?(?:real\s+|live\s+)?"
    r"(?:human|person|operator|agent|manager|someone|somebody|support)"
    r"|\b(?:connect|transfer|put)\s+me\s+(?:to|through\s+to|with)\b"
    r"|\b(?:human|live)\s+(?:agent|operator|support)\b"
    r"|\b(?:i\s+(?:want|need)|get\s+me)\s+(?:a\s+)?(?:real\s+)?(?:human|person|operator)\b",
    re.IGNORECASE)
_MEETING = re.compile(
    r"давай(?:те)?\s+(?:\w+\s+)?(?:созвон\w*|встрет\w*|увид\w*|сид\w*)"
    r"|(?:назнач\w*|запланир\w*|организ\w*|постав\w*|забронир\w*|устро\w*)\s+(?:\w+\s+){0,2}?"
    r"(?:встреч\w*|созвон\w*|звонок|совещани\w*|митинг\w*|колл\w*)"
    r"|(?:можно|хочу|хотим|хотел\w*|надо|нужно)\s+(?:бы\s+)?(?:\w+\s+)?(?:созвониться|встретиться)"
    r"|\b(?:book|schedule|set\s+up|arrange|organi[sz]e|plan)\s+(?:a\s+|an\s+|the\s+)?(?:\w+\s+)?"
    r"(?:meeting|call|sync|appointment)"
    r"|\blet'?s\s+(?:have\s+a\s+)?(?:meet|call|talk\s+on\s+a\s+call|sync)\b",
    re.IGNORECASE)
# "How do I book a meeting room?" asks how something is done: a question, not a request to book.
_PROCEDURE = re.compile(r"^\W*(?:how|what|where|which|why|who|когда|как|какой|какая|какие|каков\w*|где|что|почему|"
                        r"зачем|кто)\b|\broom\b|переговорн\w*", re.IGNORECASE)
_SMALLTALK = re.compile(
    r"^\W*(?:привет\w*|здравствуй\w*|добр\w+\s+(?:утро|день|вечер)|доброе\s+утро|хай|салют|спасибо\w*|"
    r"благодарю|спс|пока|до\s+свидания|hi|hello|hey|good\s+(?:morning|afternoon|evening)|thanks?(?:\s+you)?|"
    r"thank\s+you(?:\s+so\s+much)?|thx|bye|goodbye|ok|ок|окей|понятно|ясно|отлично|great|cool)"
    r"(?:[\s,]+(?:бот|bot|друг|friend|a\s+lot|very\s+much|большое|огромное))*\W*$",
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
    if _HUMAN.search(words):
        return Classification(Intent.human, 1.0, "rule")
    if _MEETING.search(words) and not _PROCEDURE.search(words):
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
        except (LLMError, ValueError, TypeError) as exc:
            log.info("intent by LLM failed, treating as a question: %s", exc)
            return Classification(Intent.question, 0.0, "default")
        if confidence < self._min_confidence:
            return Classification(Intent.question, confidence, "llm")
        return Classification(intent, round(min(confidence, 1.0), 3), "llm")
