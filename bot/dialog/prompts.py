"""The RAG prompt: system prompt, numbered sources, recent turns, the question."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Lang
from bot.knowledge.index import Hit
from inference.llm import ChatMessage

# Russian is the house prompt. English questions get the same instructions in English: small
# English-only models (the embedded SmolLM2) fall into gibberish under a Russian system prompt,
# while 7B+ production models follow either equally well.
SYSTEM_PROMPTS: dict[Lang, str] = {
    "ru": ("Ты — Dialog Keeper, ассистент компании. Отвечай только на основе фрагментов базы знаний, "
           "приведённых ниже. Отвечай на языке вопроса, кратко и по делу. Указывай номер фрагмента "
           "в квадратных скобках, например [1]. Если во фрагментах нет ответа, честно скажи, что не "
           "знаешь, и ничего не выдумывай.\n\nФрагменты базы знаний:"),
    "en": ("You are Dialog Keeper, the company assistant. Answer only from the knowledge base fragments "
           "below. Answer in the language of the question, briefly. Cite the fragment number in square "
           "brackets, like [1]. If the fragments do not contain the answer, say you don't know; never "
           "invent anything.\n\nKnowledge base fragments:"),
}


def format_context(hits: Sequence[Hit]) -> str:
    """Numbered fragments, each headed by its document title and section."""
    blocks = []
    for number, hit in enumerate(hits, start=1):
        heading = hit.node.metadata.get("heading_path") or hit.node.metadata.get("title", "")
        blocks.append(f"[{number}] {heading}\n{hit.node.get_content().strip()}")
    return "\n\n".join(blocks)


def build_messages(question: str, hits: Sequence[Hit], turns: Sequence[ChatMessage],
                   lang: Lang) -> list[ChatMessage]:
    """The chat prompt for one question: instructions and sources, the recent turns, the question."""
    system = f"{SYSTEM_PROMPTS[lang]}\n\n{format_context(hits)}"
    return [ChatMessage("system", system), *turns, ChatMessage("user", question)]
