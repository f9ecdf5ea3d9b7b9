"""Structured output on the real llama.cpp server: the json_object + schema form is accepted and obeyed."""

from __future__ import annotations

import jsonschema

from bot.dialog.intents import Intent, IntentClassifier
from inference.llm import ChatMessage, LLMClient

SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["intent", "confidence"],
}
# What llama-cpp-python's schema grammar enforces: structure, types, enum, required keys — not numeric bounds
# (the 135M model answered {"confidence": 10}); IntentClassifier clips the confidence for that reason.
GRAMMAR_PART = {**SCHEMA, "properties": {"intent": SCHEMA["properties"]["intent"],  # type: ignore[index]
                                         "confidence": {"type": "number"}}}


def _client(base_url: str) -> LLMClient:
    return LLMClient(base_url=base_url, api_key="local", model="dialog-keeper", timeout_s=120,
                     connect_timeout_s=3, retries=1, max_tokens=32, temperature=0)


async def test_complete_json_matches_the_schema_on_llamacpp(llm_base_url: str) -> None:
    client = _client(llm_base_url)
    try:
        assert await client.resolved_kind() == "llamacpp"  # auto detects the packaged server's dialect
        reply = await client.complete_json(
            [ChatMessage("system", "Classify the message. Answer JSON with intent and confidence."),
             ChatMessage("user", "Позовите, пожалуйста, живого человека")], SCHEMA, max_tokens=32)
    finally:
        await client.aclose()
    jsonschema.validate(reply, GRAMMAR_PART)  # the grammar held a 135M model to the five intents, a number
    assert {"intent", "confidence"} <= set(reply)


async def test_classifier_on_llamacpp_gives_one_of_the_five(llm_base_url: str) -> None:
    """use_llm="on" asks the small model and gets valid JSON back (path llm), whatever intent it picks."""
    client = _client(llm_base_url)
    try:
        result = await IntentClassifier(client, use_llm="on").classify("как там погода у вас в офисе")
    finally:
        await client.aclose()
    assert result.path == "llm", "the server rejected the request or answered invalid JSON"
    assert 0.0 <= result.confidence <= 1.0
    if result.path == "llm" and result.confidence < 0.6:
        assert result.intent is Intent.question
