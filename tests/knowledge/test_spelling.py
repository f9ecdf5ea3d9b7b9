"""Unknown query words: Latin-typed Russian and typos map onto the BM25 vocabulary; the floor credits shared words."""

from __future__ import annotations

from bot.keyboard import slip_distance
from bot.knowledge.index import Chunk, Hit
from bot.knowledge.lexical import Tokenizer
from bot.knowledge.relevance import is_relevant
from bot.knowledge.spelling import Alternative, Speller, transliterate

TEXT = ("Ежегодный отпуск: 28 календарных дней. Заявление подаётся в «Пульс». Больничный оформляется у врача. "
        "Expense reports are reimbursed within 30 days; attach the receipt.")


def speller(tokenizer: Tokenizer, **kwargs: object) -> Speller:
    return Speller(set(tokenizer(TEXT)), stem_russian=lambda w: tokenizer.stem(w, "ru"),
                   stop_words=tokenizer.stop_words, **kwargs)  # type: ignore[arg-type]


def alternatives(s: Speller, tokenizer: Tokenizer, text: str) -> list[list[Alternative]]:
    return [s.alternatives(word, stem) for word, stem in tokenizer.words(text) if not s.ignorable(word, stem)]


def test_transliteration_and_edit_distance() -> None:
    assert transliterate("otpuska") == "отпуска"
    assert transliterate("zhdat") == "ждат"
    assert transliterate("shchi") == "щи"
    assert transliterate("отпуск") == "отпуск"  # Cyrillic is left alone
    assert slip_distance("атпуск", "отпуск", 2) == 1
    assert slip_distance("abcdef", "uvwxyz", 2) == 3  # stops at limit + 1
    assert slip_distance("abcdef", "uvwxyz") == 6
    assert slip_distance("зватра", "завтра", 1) == slip_distance("зватра", "завтра") == 1, "a swap is one slip"
    assert slip_distance("reimbursd", "reimbursed", 1) == 1


def test_latin_typed_russian_finds_the_cyrillic_stem() -> None:
    tokenizer = Tokenizer()
    s = speller(tokenizer)
    found = alternatives(s, tokenizer, "skolko dnei otpuska")
    assert [Alternative(tokenizer.stem("отпуска", "ru"), 1.0)] in found
    # "na", "ne" typed in Latin are Russian function words: dropped like «на», «не».
    assert s.ignorable("na", "na") and s.ignorable("ne", "ne")
    assert not s.ignorable("receipt", tokenizer.stem("receipt", "en"))  # a known English word is never respelled


def test_typos_only_when_enabled_and_long_enough() -> None:
    tokenizer = Tokenizer()
    assert alternatives(speller(tokenizer), tokenizer, "атпуск") == [[]]  # typo matching is off by default
    s = speller(tokenizer, max_edits=2, typo_weight=0.8)
    assert alternatives(s, tokenizer, "атпуск") == [[Alternative(tokenizer.stem("отпуск", "ru"), 0.8)]]
    assert alternatives(s, tokenizer, "reimbursd")[0][0].term == tokenizer.stem("reimbursed", "en")
    assert alternatives(s, tokenizer, "days") == [[Alternative("day", 1.0)]]  # known: untouched
    assert alternatives(s, tokenizer, "dayz") == [[]]  # a short English stem is too ambiguous to correct


def test_floor_credits_shared_words() -> None:
    hit = Hit(node=Chunk("1", "text"), score=0.81, lexical=0.4)
    assert not is_relevant(hit, 0.83)
    assert is_relevant(hit, 0.83, lexical_weight=0.05)
    no_words = Hit(node=Chunk("2", "text"), score=0.81, lexical=0.0)
    assert not is_relevant(no_words, 0.83, lexical_weight=0.05)  # off-topic: no shared words, no credit
