"""Embeddings on the GPU in production: fp16 weights on CUDA, and a loud CPU fallback where CUDA is absent."""

from __future__ import annotations

import logging

import pytest
import torch

from bot.settings import ROOT
from inference.embeddings import embedding_device, load_embedding

MINILM = ROOT / "models/dev/all-minilm-l6-v2"
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@no_cuda
def test_cuda_asked_for_but_absent_falls_back_to_the_cpu_loudly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inference.embeddings"):
        assert embedding_device("cuda") == ("cpu", "float32")
        assert embedding_device("cuda:0") == ("cpu", "float32")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and "EMBEDDINGS ON THE CPU" in errors[0].getMessage()
    assert "DK_EMBEDDINGS__DEVICE=cuda" in errors[0].getMessage()


@no_cuda
def test_auto_and_cpu_choose_quietly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inference.embeddings"):
        assert embedding_device("auto") == ("cpu", "float32")
        assert embedding_device("cpu") == ("cpu", "float32")
    assert caplog.records == []


@no_cuda
def test_a_cuda_setting_still_embeds_on_a_cpu_only_host() -> None:
    embed = load_embedding(MINILM, device="cuda", batch_size=128)
    weights = next(embed._model.parameters())
    assert weights.device.type == "cpu" and weights.dtype == torch.float32
    assert len(embed.get_query_embedding("How many vacation days?")) == 384


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA here")
def test_on_cuda_the_weights_are_fp16() -> None:
    embed = load_embedding(MINILM, device="cuda")
    weights = next(embed._model.parameters())
    assert weights.device.type == "cuda" and weights.dtype == torch.float16
