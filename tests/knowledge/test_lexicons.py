"""Chat words and the other language's terms match the knowledge base's words (bot/knowledge/lexicons.py)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.ingest import IngestService
from bot.knowledge.lexical import LexicalIndex, Tokenizer
from bot.knowledge.lexicons import COLLOQUIAL, GLOSSARY, lexicon_stems, related_terms
from bot.knowledge.spelling import Alternative, Speller
from bot.store.models import ChunkRecord


def _lexicon(tmp_path: Path) -> Path:
    path = tmp_path / "colloquial.tsv"
    path.write_text("colloquial\tstandard\tlang\nзп\tзарплата\tru\nкомп\tкомпьютер ноутбук\tru\n"
                    "сперли\tукрасть кража\tru\npto\tvacation leave\ten\n", encoding="utf-8")
    return path


def test_colloquial_words_map_to_the_stems_of_their_standard_words(tmp_path: Path) -> None:
    stems = lexicon_stems(Tokenizer().stem_word, _lexicon(tmp_path))
    assert stems["зп"] == ("зарплат",)
    assert stems["комп"] == ("компьютер", "ноутбук")
    assert stems["pto"] == ("vacat", "leav")


def test_a_chat_word_stands_for_the_documents_words_and_an_unknown_standard_word_is_ignored(tmp_path: Path) -> None:
    tokenizer = Tokenizer()
    related = related_terms(tokenizer.stem_word, [(_lexicon(tmp_path), 0.9)])
    vocabulary = {"зарплат", "компьютер", "краж", "vacat"}  # «ноутбук», «украсть» and "leave" are in no document
    speller = Speller(vocabulary, stem_russian=lambda w: tokenizer.stem(w, "ru"), related=related)
    assert speller.alternatives("комп", "комп") == [Alternative("компьютер", 0.9)]
    assert speller.alternatives("сперли", tokenizer.stem("сперли", "ru")) == [Alternative("краж", 0.9)]
    assert speller.alternatives("pto", "pto") == [Alternative("vacat", 0.9)]
    assert speller.alternatives("зарплата", "зарплат") == [Alternative("зарплат", 1.0)], "standard words as before"
    without = Speller(vocabulary, stem_russian=lambda w: tokenizer.stem(w, "ru"))
    assert without.alternatives("комп", "комп") == [], "off: a chat word stays unknown"


def test_the_shipped_lexicons_load_and_map_common_words() -> None:
    stem = Tokenizer().stem_word
    chat, glossary = lexicon_stems(stem, COLLOQUIAL), lexicon_stems(stem, GLOSSARY)
    assert len(chat) >= 150 and len(glossary) >= 150
    assert "зарплат" in chat[stem("зп")]
    assert stem("отпуск") in glossary[stem("vacation")]
    assert stem("vacation") in glossary[stem("отпуск")]


def test_two_lexicons_merge_at_their_weights_and_a_lexicon_at_zero_is_off(tmp_path: Path) -> None:
    stem = Tokenizer().stem_word
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("colloquial\tstandard\tlang\nкомп\tcomputer\tru\nvacation\tотпуск\ten\n", encoding="utf-8")
    related = related_terms(stem, [(_lexicon(tmp_path), 0.9), (glossary, 0.7)])
    assert related["комп"] == {"компьютер": 0.9, "ноутбук": 0.9, "comput": 0.7}
    assert related["vacat"] == {"отпуск": 0.7}
    assert related_terms(stem, [(_lexicon(tmp_path), 0.9), (glossary, 0.0)])["комп"] == {"компьютер": 0.9,
                                                                                         "ноутбук": 0.9}


def test_a_question_in_chat_words_or_english_finds_the_russian_policy_through_bm25(
        fresh: tuple[IngestService, KnowledgeIndex], tmp_path: Path) -> None:
    service, _ = fresh
    (tmp_path / "pay.md").write_text("# Оплата труда\n\nЗаработная плата перечисляется 5 и 20 числа каждого месяца.\n",
                                     encoding="utf-8")
    (tmp_path / "it.md").write_text("# Техника\n\nСломанный компьютер сдают в ИТ-отдел на третьем этаже.\n",
                                    encoding="utf-8")
    for name in ("pay.md", "it.md"):
        service.ingest_file(tmp_path / name)
    with_lexicon = LexicalIndex(service.engine, refresh_s=0, colloquial_weight=0.9, translation_weight=0.8)
    without = LexicalIndex(service.engine, refresh_s=0)

    def first_title(index: LexicalIndex, question: str) -> str | None:
        hits = index.search(question, top_k=1)
        if not hits:
            return None
        with Session(service.engine) as session:
            chunk = session.get_one(ChunkRecord, hits[0].chunk_id)
        return chunk.heading_path

    assert first_title(with_lexicon, "когда придёт зп") == "Оплата труда"
    assert first_title(with_lexicon, "комп сдох, куда нести") == "Техника"
    assert first_title(without, "когда придёт зп") is None, "without the lexicon no word of it is in any document"
    assert first_title(with_lexicon, "when is the salary paid") == "Оплата труда", "an English question, Russian text"
    assert first_title(without, "when is the salary paid") is None
