"""The probes ``dialog-keeper gpu-check`` runs, one per GPU path; each returns figures or raises.

Every heavy library is imported inside its probe, so a machine that lacks one (no CTranslate2, no
LlamaIndex, no vLLM) loses that probe alone. With ``random_weights`` the embedding and Whisper
architectures are built with random weights: the GPU path and its speed are real, the outputs are not.
"""

from __future__ import annotations

import statistics
import time
import wave
from pathlib import Path
from typing import Any

CLIP = Path(__file__).parent / "assets/gpu_check_clip.wav"  # espeak-ng, 5 s, 8 kHz PCM (80 KB)
CLIP_WORDS = ("office", "morning", "evening")  # what the clip says, for checking a real transcript
QUERY = "How many vacation days do I get per year, and can I carry unused days over to next year?"
PASSAGE = ("Employees get 28 calendar days of paid vacation per year. Unused days carry over to the next year "
           "up to a limit of 14 days; the rest lapse on 31 March. ")
INGEST_BATCH = 128  # the worker's batch (compose.gpu.yml): the measured sweet spot on an H100


class ProbeSkipped(Exception):
    """The probe cannot run on this machine for a reason that is not a fault (said in the message)."""


Figures = dict[str, Any]


DEVICE = "cuda"  # tests point the random-weight probes at the CPU to check them without a GPU


def _sync() -> None:
    import torch

    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _timed(fn: Any, repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls, the GPU synchronised around each."""
    times = []
    for _ in range(repeat):
        _sync()
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return times


def probe_torch() -> Figures:
    """torch sees the GPU, runs an fp16 matrix product correctly, and how fast."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError(f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no CUDA device")
    props = torch.cuda.get_device_properties(0)
    small = torch.randn(512, 512, device="cuda")
    error = (small.half() @ small.half()).float() - small @ small
    if not torch.isfinite(error).all() or error.abs().max().item() > 1.0:
        raise RuntimeError(f"fp16 matrix product is wrong (max error {error.abs().max().item():.3g})")
    n = 8192
    a, b = torch.randn(n, n, device="cuda", dtype=torch.float16), torch.randn(n, n, device="cuda", dtype=torch.float16)
    _timed(lambda: a @ b, 3)
    best = min(_timed(lambda: a @ b, 10))
    return {"device": props.name, "torch": torch.__version__, "torch_cuda": torch.version.cuda,
            "capability": f"sm_{props.major}{props.minor}", "fp16_tflops": round(2 * n**3 / best / 1e12, 1)}


def _xlmr_large() -> Any:
    """multilingual-e5-large's architecture (XLM-R large, 24 layers) with random weights, fp16 on the GPU."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    config = XLMRobertaConfig(vocab_size=250002, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                              intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1,
                              layer_norm_eps=1e-5, pad_token_id=1)
    with torch.device(DEVICE):
        return XLMRobertaModel(config, add_pooling_layer=False).half().eval()


def probe_embeddings_random(batch: int = INGEST_BATCH) -> Figures:
    """XLM-R large with random weights: one 24-token query's latency and 256-token chunks per second."""
    import torch

    model = _xlmr_large()

    def embed(ids: torch.Tensor) -> torch.Tensor:
        hidden = model(input_ids=ids).last_hidden_state
        return torch.nn.functional.normalize(hidden.mean(dim=1), dim=-1)  # e5: mean pooling, unit length

    query = torch.randint(5, 250000, (1, 24), device=DEVICE)
    chunks = torch.randint(5, 250000, (batch, 256), device=DEVICE)
    with torch.inference_mode():
        _timed(lambda: embed(query), 5)
        latency = statistics.median(_timed(lambda: embed(query), 30))
        _timed(lambda: embed(chunks), 2)
        per_batch = statistics.median(_timed(lambda: embed(chunks), 8))
    return {"model": "XLM-R large (multilingual-e5-large architecture), random weights, fp16",
            "query_p50_ms": round(latency * 1000, 2), "chunks_per_s": round(batch / per_batch),
            "batch": batch, "chunk_tokens": 256}


def probe_embeddings(model_dir: Path, batch: int = INGEST_BATCH) -> Figures:
    """The embedding model from the models directory, loaded the way the bot loads it, on CUDA in fp16."""
    from inference.embeddings import load_embedding

    embed = load_embedding(model_dir, device="cuda", batch_size=batch)
    weights = next(embed._model.parameters())  # the SentenceTransformer LlamaIndex wraps
    if weights.device.type != "cuda":
        raise RuntimeError(f"the embedding model loaded on {weights.device}, not CUDA")
    passages = [f"{i}. {PASSAGE * 6}" for i in range(4 * batch)]  # ~256 tokens each, the chunk size in use
    embed.get_query_embedding(QUERY)
    latency = statistics.median(_timed(lambda: embed.get_query_embedding(QUERY), 30))
    embed.get_text_embedding_batch(passages[:batch])
    elapsed = sum(_timed(lambda: embed.get_text_embedding_batch(passages), 1))
    return {"model": model_dir.name, "dtype": str(weights.dtype).removeprefix("torch."),
            "query_p50_ms": round(latency * 1000, 2), "chunks_per_s": round(len(passages) / elapsed), "batch": batch}


def read_clip(path: Path = CLIP) -> tuple[Any, float]:
    """The bundled clip as 16 kHz float32 samples (Whisper's input rate) and its duration in seconds."""
    import numpy as np

    with wave.open(str(path)) as clip:
        rate, frames = clip.getframerate(), clip.readframes(clip.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    duration = len(samples) / rate
    target = np.arange(0, duration, 1 / 16000)
    return np.interp(target, np.arange(len(samples)) / rate, samples).astype(np.float32), duration


def probe_whisper(model_dir: Path) -> Figures:
    """faster-whisper on CUDA in float16 (the worker's path) transcribes the bundled clip."""
    from inference.stt import WhisperTranscriber

    transcriber = WhisperTranscriber(model_dir, device="cuda", compute_type="float16", beam_size=1,
                                     vad_filter=False, language="en")
    transcriber.transcribe(CLIP)  # loads the CUDA kernels; the second run is the one that counts
    start = time.perf_counter()
    transcript = transcriber.transcribe(CLIP)
    elapsed = time.perf_counter() - start
    if not any(word in transcript.text.lower() for word in CLIP_WORDS):
        raise RuntimeError(f"the clip was transcribed as {transcript.text!r}")
    return {"model": model_dir.name, "compute_type": transcriber.compute_type, "text": transcript.text,
            "rtf": round(elapsed / transcript.duration, 4)}


def probe_ctranslate2() -> Figures:
    """CTranslate2 (under faster-whisper) sees the GPU; it is what loads libcublas.so.12 and cuDNN 9."""
    try:
        import ctranslate2
    except ImportError as exc:
        raise ProbeSkipped("ctranslate2 is not installed on this machine: the faster-whisper (CTranslate2) "
                           "CUDA path is not checked here") from exc
    count = ctranslate2.get_cuda_device_count()
    if count == 0:
        raise RuntimeError(f"CTranslate2 {ctranslate2.__version__} sees no CUDA device (libcublas.so.12 missing?)")
    return {"ctranslate2": ctranslate2.__version__, "cuda_devices": count,
            "compute_types": ",".join(sorted(ctranslate2.get_supported_compute_types("cuda")))}


def probe_whisper_random(new_tokens: int = 32) -> Figures:
    """Whisper large-v3-turbo's architecture (transformers) with random weights, fp16: the clip's RTF."""
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    config = WhisperConfig(vocab_size=51866, num_mel_bins=128, d_model=1280, encoder_layers=32,
                           encoder_attention_heads=20, decoder_layers=4, decoder_attention_heads=20,
                           encoder_ffn_dim=5120, decoder_ffn_dim=5120, max_target_positions=448)
    with torch.device(DEVICE):
        model = WhisperForConditionalGeneration(config).half().eval()
    samples, duration = read_clip()
    features = WhisperFeatureExtractor(feature_size=128)(samples, sampling_rate=16000, return_tensors="pt")
    mel = features.input_features.to(DEVICE, torch.float16)

    def transcribe() -> None:
        # The encoder once, then greedy decoding of a fixed number of tokens. No KV cache: its argument
        # is renamed across transformers releases, and 4 decoder layers over ≤ 33 tokens cost little.
        encoded = model.model.encoder(mel)
        tokens = torch.tensor([[50258]], device=DEVICE)  # <|startoftranscript|>
        for _ in range(new_tokens):
            logits = model(encoder_outputs=encoded, decoder_input_ids=tokens, use_cache=False).logits
            tokens = torch.cat([tokens, logits[:, -1:].argmax(-1)], dim=1)

    with torch.inference_mode():
        transcribe()
        elapsed = statistics.median(_timed(transcribe, 3))
    return {"model": "Whisper large-v3-turbo architecture (transformers), random weights, fp16",
            "decoded_tokens": new_tokens, "rtf": round(elapsed / duration, 4)}


def probe_nvml() -> Figures:
    """NVML readings of every GPU, and the CUDA version the driver supports."""
    from inference.gpu import describe, read_gpus

    readings = read_gpus()
    if not readings:
        raise RuntimeError("NVML sees no device")
    import pynvml

    pynvml.nvmlInit()
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()
    finally:
        pynvml.nvmlShutdown()
    return {"driver": driver.decode() if isinstance(driver, bytes) else driver,
            "driver_cuda": f"{cuda // 1000}.{cuda % 1000 // 10}", "gpus": [describe(r) for r in readings]}


def probe_llm(base_url: str, model: str, api_key: str) -> Figures:
    """The LLM server lists the configured model and streams a one-token answer: time to first token."""
    import json

    import httpx

    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=60) as client:
        served = [m["id"] for m in client.get("/models").raise_for_status().json()["data"]]
        if model not in served:
            raise RuntimeError(f"the server serves {served}, not the configured {model!r}")
        body = {"model": model, "max_tokens": 1, "stream": True, "temperature": 0,
                "messages": [{"role": "user", "content": "Say OK."}]}
        start = time.perf_counter()
        with client.stream("POST", "/chat/completions", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    delta = json.loads(line[6:])["choices"][0].get("delta", {})
                    if delta.get("content"):
                        break
        ttft = time.perf_counter() - start
    return {"model": model, "server": base_url, "ttft_ms": round(ttft * 1000, 1)}
