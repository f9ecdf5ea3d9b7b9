"""The BM25 tokenizer: lower-cased stems by script, stop words dropped, ё folded."""

from __future__ import annotations

from bot.knowledge.lexical import Tokenizer


def test_russian_and_english_words_are_stemmed_by_their_own_stemmer() -> None:
    tokens = Tokenizer()
    assert tokens("отпуска отпуском") == ["отпуск", "отпуск"]
    assert tokens("Vacations vacation") == ["vacat", "vacat"]
    assert tokens("отпуск vacation") == ["отпуск", "vacat"], "a mixed sentence: each word its own script"


def test_stop_words_and_single_letters_go_digits_stay() -> None:
    tokens = Tokenizer()
    assert tokens("the policy and и в отпуск") == ["polici", "отпуск"]
    assert tokens("a 5 days") == ["5", "day"]


def test_yo_is_folded_and_case_ignored() -> None:
    tokens = Tokenizer()
    assert tokens("Ёлка") == tokens("елка")
    assert tokens("VPN") == tokens("vpn") == ["vpn"]
