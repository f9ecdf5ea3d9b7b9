"""Answer a question from the knowledge base with the local LLM, streaming the text."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine

from bot import metrics
from bot.dialog.prompts import build_messages
from bot.i18n import Lang, detect_language, t
from bot.knowledge.index import Hit, KnowledgeIndex
from bot.knowledge.relevance import is_relevant
from bot.store import repo
from bot.store.db import in_session
from bot.store.models import Outcome
from inference.llm import ChatMessage, LLMClient, LLMError

log = logging.getLogger(__name__)

OnText = Callable[[str], Awaitable[None]]


class EmptyQuestion(ValueError):
    """The question has no text."""


@dataclass(frozen=True)
class Source:
    """A knowledge-base fragment an answer is based on; ``number`` is its [n] in the text."""

    number: int
    title: str
    heading_path: str
    source: str
    score: float
    position: int
    page: int | None = None  # 1-based page of a PDF source


@dataclass
class Timings:
    """Where the time of one answer went, in milliseconds."""

    embed_ms: float = 0.0
    retrieve_ms: float = 0.0
    prompt_ms: float = 0.0
    ttft_ms: float = 0.0  # LLM request sent → first token
    llm_ms: float = 0.0  # LLM request sent → last token
    total_ms: float = 0.0

    @property
    def overhead_ms(self) -> float:
        """Everything that is not the LLM."""
        return self.total_ms - self.llm_ms


@dataclass
class Answer:
    """The outcome of one question."""

    text: str
    sources: list[Source]
    outcome: Outcome
    language: Lang
    model: str = ""
    answer_id: int | None = None
    timings: Timings = field(default_factory=Timings)


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


class AnswerService:
    """Retrieve → prompt → stream from the LLM → store; says so honestly when nothing is found."""

    def __init__(self, *, engine: Engine, index: KnowledgeIndex, llm: LLMClient, top_k: int,
                 min_score: float) -> None:
        self._engine = engine
        self._index = index
        self._llm = llm
        self._top_k = top_k
        self._min_score = min_score

    async def answer(self, question: str, *, turns: Sequence[ChatMessage] = (),
                     message_id: int | None = None, spaces: Sequence[str] | None = None,
                     on_text: OnText | None = None) -> Answer:
        """Answer ``question``; ``on_text`` receives each new piece of text as it arrives.

        Raises EmptyQuestion for blank input and LLMError when the model fails; in both
        error cases nothing is lost: the question is stored with outcome=error first.
        """
        question = question.strip()
        if not question:
            raise EmptyQuestion("empty question")
        started = time.perf_counter()
        lang = detect_language(question)
        answer_id = await in_session(self._engine, lambda s: repo.start_answer(s, question=question,
                                                                               message_id=message_id).id)
        assert answer_id is not None  # flushed rows have ids
        timings = Timings()
        hits, candidates = await self._retrieve(question, spaces, timings)
        previous = next((m.content for m in reversed(turns) if m.role == "user"), "")
        if not hits and previous and is_follow_up(question):
            # A follow-up ("and for interns?") often only makes sense with the previous question; what the
            # combined search finds still has to be close to the question itself, or it is another topic.
            borrowed, _ = await self._retrieve(f"{previous}\n{question}", spaces, timings)
            if content_words(question):  # "and for interns?": the borrowed fragment must be about interns too
                borrowed = [h for h in borrowed
                            if candidates_score(candidates, h) >= FOLLOW_UP_FLOOR * self._min_score]
            hits = borrowed
        if not hits:
            return await self._finish(Answer(t("not_found", lang), [], Outcome.not_found, lang,
                                             answer_id=answer_id, timings=timings), started, on_text)

        mark = time.perf_counter()
        messages = build_messages(question, hits, turns, lang)
        timings.prompt_ms = _ms(mark)
        pieces: list[str] = []
        mark = time.perf_counter()
        try:
            async for piece in self._llm.stream_chat(messages):
                if not pieces:
                    timings.ttft_ms = _ms(mark)
                pieces.append(piece)
                if on_text is not None:
                    await on_text(piece)
            timings.llm_ms = _ms(mark)
            if not "".join(pieces).strip():
                raise LLMError("the model returned an empty answer")
        except LLMError as exc:
            timings.llm_ms, timings.total_ms = _ms(mark), _ms(started)
            await self._store(answer_id, Outcome.error, "".join(pieces), [], timings, self._llm.model,
                        error=str(exc))
            raise
        sources = [_source(number, hit) for number, hit in enumerate(hits, start=1)]
        answer = Answer("".join(pieces).strip(), sources, Outcome.answered, lang, self._llm.model,
                        answer_id, timings)
        return await self._finish(answer, started, None)

    async def _retrieve(self, query: str, spaces: Sequence[str] | None,
                        timings: Timings) -> tuple[list[Hit], list[Hit]]:
        """(the relevant hits, every candidate looked at) for ``query``."""
        mark = time.perf_counter()
        # Embedding and local Qdrant are blocking calls: keep them off the event loop.
        vector = await asyncio.to_thread(self._index.embed_query, query)
        timings.embed_ms += _ms(mark)
        mark = time.perf_counter()
        hits = await asyncio.to_thread(self._index.search, vector, top_k=self._top_k, spaces=spaces, query=query)
        timings.retrieve_ms += _ms(mark)
        return [h for h in hits if is_relevant(h, self._min_score)], hits

    async def _finish(self, answer: Answer, started: float, on_text: OnText | None) -> Answer:
        if on_text is not None:
            await on_text(answer.text)
        answer.timings.total_ms = _ms(started)
        metrics.ANSWER_SECONDS.observe(answer.timings.total_ms / 1000)
        metrics.OVERHEAD_SECONDS.observe(answer.timings.overhead_ms / 1000)
        if answer.timings.ttft_ms:
            metrics.TTFT_SECONDS.observe(answer.timings.ttft_ms / 1000)
        assert answer.answer_id is not None
        await self._store(answer.answer_id, answer.outcome, answer.text, answer.sources, answer.timings,
                    answer.model)
        return answer

    async def _store(self, answer_id: int, outcome: Outcome, text: str, sources: Sequence[Source],
               timings: Timings, model: str, error: str | None = None) -> None:
        metrics.ANSWERS.labels(outcome.value).inc()
        await in_session(self._engine, repo.finish_answer, answer_id=answer_id, outcome=outcome, text=text,
                         sources=[asdict(s) for s in sources], model=model, timings=asdict(timings), error=error)


# Words that make a short message lean on the previous question ("and for interns?", «а для стажёров?»).
_REFERENTIAL = re.compile(
    r"^\W*(?:and|but|also|what about|how about|or|а|и|но|также|тоже|ещё|еще|а если|а как|а что|а для)\b"
    r"|\b(?:it|its|that|this|those|these|them|they|there|same|он|она|оно|они|его|её|ее|их|это|этот|эта|эти|"
    r"там|тот|та|те|такой|такая|такие)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 8
FOLLOW_UP_FLOOR = 0.75  # a borrowed hit must score this share of the relevance floor against the question alone


def is_follow_up(question: str) -> bool:
    """A short message that refers back ("and for interns?"), not a new question that found nothing."""
    return len(question.split()) <= FOLLOW_UP_MAX_WORDS and bool(_REFERENTIAL.search(question))


_FUNCTION_WORDS = frozenset((
    "and", "but", "also", "what", "about", "how", "with", "from", "that", "this", "those", "these", "them", "they",
    "there", "same", "then", "more", "else", "также", "тоже", "ещё", "еще", "если", "как", "что", "для", "про",
    "это", "этот", "эта", "эти", "там", "тот", "такой", "такая", "такие", "его", "её", "ее", "их"))


def content_words(question: str) -> list[str]:
    """The words of a follow-up that carry its own topic (not "and", "what about", «а для»)."""
    return [w for w in re.findall(r"\w+", question.lower()) if len(w) > 2 and w not in _FUNCTION_WORDS]


def candidates_score(candidates: Sequence[Hit], hit: Hit) -> float:
    """How close ``hit`` is to the question alone: its score among the question's own candidates (0 if absent)."""
    return next((c.score for c in candidates if c.node.node_id == hit.node.node_id), 0.0)


def _source(number: int, hit: Hit) -> Source:
    meta = hit.node.metadata
    return Source(number=number, title=str(meta.get("title", "")),
                  heading_path=str(meta.get("heading_path", "")), source=str(meta.get("source", "")),
                  score=round(hit.score, 4), position=int(meta.get("position", 0)),
                  page=int(meta["page"]) if meta.get("page") is not None else None)
