"""The relevance floor of the configured embedding model, as calibrated and recorded in models/manifest.toml."""

from __future__ import annotations

import logging
import tomllib
from functools import lru_cache
from pathlib import Path

from bot.settings import ROOT, Settings

log = logging.getLogger(__name__)

# A model the manifest does not know: the floor the English-only MiniLM was calibrated with.
FALLBACK_MIN_SCORE = 0.30


@lru_cache(maxsize=8)
def calibrated_floors(manifest: Path) -> dict[str, float]:
    """Embedding model directory name → its calibrated ``min_score``, from a manifest file."""
    if not manifest.exists():
        return {}
    floors = {}
    for model in tomllib.loads(manifest.read_text(encoding="utf-8")).get("model", []):
        if model.get("role") == "embeddings" and "min_score" in model:
            floors[Path(model["dir"]).name] = float(model["min_score"])
    return floors


def relevance_floor(settings: Settings) -> float:
    """``DK_RETRIEVAL__MIN_SCORE`` when set, else the floor recorded for the embedding model's directory."""
    if settings.retrieval.min_score is not None:
        return settings.retrieval.min_score
    name = settings.embeddings.model_dir.name
    for manifest in (settings.models_dir / "manifest.toml", ROOT / "models/manifest.toml"):
        floor = calibrated_floors(manifest).get(name)
        if floor is not None:
            return floor
    log.warning("no calibrated relevance floor for embedding model %s; using %.2f (set DK_RETRIEVAL__MIN_SCORE)",
                name, FALLBACK_MIN_SCORE)
    return FALLBACK_MIN_SCORE
