"""What a message wants: question, meeting, human, smalltalk or other — rules first, then the LLM.

The rules are high-precision patterns (Russian and English; intents_rules.py, intents_other.py, their vocabulary in
intent_lexicon.py): they decide only what they are sure of. Everything else goes to the local LLM with a JSON
schema; a low-confidence or invalid reply counts as a question, because answering from the knowledge base (or saying
honestly that nothing was found) is the safe default.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from typing import Literal

from bot import metrics
from bot.dialog import intent_lexicon as lex
from bot.dialog.intents_other import is_keyboard_mash, is_other
from bot.dialog.intents_rules import is_human, is_meeting, is_smalltalk, squeezed
from bot.keyboard import TO_RUSSIAN_LAYOUT, from_translit
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


_I = re.IGNORECASE
_LONGEST = 1000  # a longer text is no chat command, and would cost the patterns too much time
_LATIN_ONLY = re.compile(r"[a-z\s\d.,;'\[\]`!?-]*[a-z][a-z\s\d.,;'\[\]`!?-]*")


def _looks_mistyped(text: str) -> bool:
    """Most words without an English vowel: «ghbdtn», «cgfcb,j» are no English."""
    words = re.findall(r"[a-z,.;'\[\]]+", text)
    return bool(words) and sum(not re.search(r"[aeiou]", w) for w in words) >= 0.5 * len(words)



def _normalised(text: str) -> str:
    """Lowercase, «ё» as «е», one kind of apostrophe, single spaces."""
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е").replace("’", "'")).strip()


def _decide(text: str, *, all_rules: bool = True) -> Intent | None:
    """The rules in order: the whole-message forms first, then a person, a meeting, and what is not for the KB."""
    if is_smalltalk(text):
        return Intent.smalltalk
    if is_human(text):
        return Intent.human
    if not all_rules:
        return None
    if is_meeting(text):
        return Intent.meeting
    return Intent.other if is_other(text) else None


def _decide_as_russian(latin: str) -> Intent | None:
    """A Latin text read as Russian typed in the English layout («ghbdtn» is «привет»), then as translit ("spasibo");
    translit is trusted only for small talk and a person, the short set phrases people write in it."""
    if _looks_mistyped(latin) and (decided := _decide(latin.translate(TO_RUSSIAN_LAYOUT).replace("ё", "е"))):
        return decided
    return _decide(from_translit(latin), all_rules=False)


def classify_by_rules(text: str) -> Classification | None:
    """The intent when a high-precision rule is sure, else None (the caller asks the LLM or answers a question)."""
    words = _normalised(text)
    if not words or len(words) > _LONGEST:
        return None
    decided = _decide(words)
    if decided is None and _LATIN_ONLY.fullmatch(words):
        decided = _decide_as_russian(words)
    if decided is None and is_keyboard_mash(words):  # last: «ghbdtn» looks like mash until read as «привет»
        decided = Intent.other
    return Classification(decided, 1.0, "rule") if decided else None


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
    "a person, operator or support), smalltalk (greeting, thanks, chit-chat), other (arithmetic, poems, jokes, "
    "code, translation, spam, gibberish, test pings, notices that ask nothing). Answer JSON only: "
    '{"intent": …, "confidence": 0..1}.'
)
_REPLY_KEYS = ((re.compile(rf"(?<!\w){lex.THANKS}(?!\w)", _I), "smalltalk_thanks"),
               (re.compile(rf"(?<!\w){lex.BYE}(?!\w)", _I), "smalltalk_bye"),
               (re.compile(rf"(?<!\w){lex.GREETING}(?!\w)", _I), "smalltalk_hello"))


def smalltalk_key(text: str) -> str:
    """The i18n key of the short reply to a small-talk message."""
    words = squeezed(_normalised(text), 1)
    return next((key for pattern, key in _REPLY_KEYS if pattern.search(words)), "smalltalk_other")


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
