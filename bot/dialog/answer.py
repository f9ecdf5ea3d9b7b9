"""Answer a question from the knowledge base with the local LLM, streaming the text."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine

from bot import metrics
from bot.dialog import answerability
from bot.dialog.answerability import Mode
from bot.dialog.prompts import build_messages
from bot.dialog.retrieve import retrieve
from bot.i18n import Lang, detect_language, t
from bot.knowledge.index import Hit, KnowledgeIndex
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
    answerability_ms: float = 0.0  # the LLM's "do these fragments answer?" verdict (0 when the step is off)
    prompt_ms: float = 0.0
    ttft_ms: float = 0.0  # LLM request sent → first token
    llm_ms: float = 0.0  # LLM request sent → last token
    total_ms: float = 0.0

    @property
    def overhead_ms(self) -> float:
        """Everything that is not the LLM (the answer stream and the answerability verdict)."""
        return self.total_ms - self.llm_ms - self.answerability_ms


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
                 min_score: float, answerability: Mode = "off") -> None:
        self._engine = engine
        self._index = index
        self._llm = llm
        self._top_k = top_k
        self._min_score = min_score
        self._answerability = answerability

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
        timings = Timings()
        previous = next((m.content for m in reversed(turns) if m.role == "user"), "")
        # The answer's row and the search at once (the search's embedding and local Qdrant are blocking calls:
        # off the event loop): the database's round trip is not added to the time before the first token.
        answer_id, found = await asyncio.gather(
            in_session(self._engine, lambda s: repo.start_answer(s, question=question, message_id=message_id).id),
            asyncio.to_thread(retrieve, self._index, question, top_k=self._top_k, min_score=self._min_score,
                              previous=previous, spaces=spaces))
        assert answer_id is not None  # flushed rows have ids
        timings.embed_ms, timings.retrieve_ms = found.embed_ms, found.search_ms
        hits = await self._answerable(question, found.hits, timings)
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

    async def _answerable(self, question: str, hits: list[Hit], timings: Timings) -> list[Hit]:
        """The hits the model says hold the answer (all of them when the step is off; none: not found)."""
        if not hits:
            return hits
        mark = time.perf_counter()
        try:
            if not await answerability.enabled(self._answerability, self._llm):
                return hits
            verdict = await answerability.judge(self._llm, question, hits)
        except LLMError as exc:  # cannot judge (bad JSON, server trouble): answer as without the step
            log.warning("answerability check failed, answering from every relevant fragment: %s", exc)
            return hits
        finally:
            timings.answerability_ms = _ms(mark)
        log.info("answerability: %s, fragments %s of %d", verdict.answerable, verdict.fragments, len(hits))
        return [hits[number - 1] for number in verdict.fragments]

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


def _source(number: int, hit: Hit) -> Source:
    meta = hit.node.metadata
    return Source(number=number, title=str(meta.get("title", "")),
                  heading_path=str(meta.get("heading_path", "")), source=str(meta.get("source", "")),
                  score=round(hit.score, 4), position=int(meta.get("position", 0)),
                  page=int(meta["page"]) if meta.get("page") is not None else None)
