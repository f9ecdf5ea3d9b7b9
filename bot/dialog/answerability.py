"""Do the retrieved fragments hold the answer? The LLM's verdict, as structured output.

The relevance floor only says a fragment is *about* the question's topic; a near miss ("when does the
next model come out?" against documents about the current one) clears it. Before answering, the model
reads the numbered fragments and answers ``{"answerable": bool, "fragments": [numbers]}``; the bot says
"not found" (offering a human) when they do not hold the answer, and cites only the fragments used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.dialog.prompts import format_context
from bot.knowledge.index import Hit
from inference.llm import ChatMessage, LLMClient

log = logging.getLogger(__name__)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answerable": {"type": "boolean"},
                   "fragments": {"type": "array", "items": {"type": "integer"}}},
    "required": ["answerable", "fragments"],
    "additionalProperties": False,
}
PROMPT = ("You check a company knowledge base before an assistant answers. Below are a question and numbered "
          "fragments. Decide whether the fragments state the answer to the question. A fragment on the same "
          "topic that does not state the answer does not count; general knowledge does not count. The "
          "question and the fragments may be in different languages. Reply with JSON only: "
          '{"answerable": true or false, "fragments": [the numbers of the fragments that hold the answer]}.')
Mode = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class Verdict:
    """The model's verdict: whether the fragments answer, and which (1-based) it would use."""

    answerable: bool
    fragments: list[int]


def messages(question: str, hits: Sequence[Hit]) -> list[ChatMessage]:
    """The prompt: instructions, then the question and the numbered fragments."""
    return [ChatMessage("system", PROMPT),
            ChatMessage("user", f"Question: {question}\n\nFragments:\n\n{format_context(hits)}")]


def parse(value: dict[str, Any], count: int) -> Verdict:
    """A verdict from the model's JSON; fragment numbers outside 1…``count`` are dropped."""
    answerable = value.get("answerable") is True
    numbers = value.get("fragments")
    used = sorted({n for n in numbers if isinstance(n, int) and 1 <= n <= count}) if isinstance(numbers, list) else []
    if answerable and not used:
        used = list(range(1, count + 1))  # answerable without naming fragments: all of them may be cited
    return Verdict(answerable=answerable, fragments=used if answerable else [])


async def judge(llm: LLMClient, question: str, hits: Sequence[Hit]) -> Verdict:
    """Ask the model whether ``hits`` answer ``question`` (LLMError when it cannot say)."""
    value = await llm.complete_json(messages(question, hits), SCHEMA, max_tokens=48)
    return parse(value, len(hits))


async def enabled(mode: Mode, llm: LLMClient) -> bool:
    """Whether the step runs: ``on``/``off``, or ``auto`` = on for a vLLM server (a production model), off
    for llama.cpp (the embedded 135M model cannot judge)."""
    if mode != "auto":
        return mode == "on"
    return await llm.resolved_kind() == "vllm"
