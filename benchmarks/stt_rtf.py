"""Voice: real-time factor of faster-whisper on 5/15/60 s clips, direct and through the RQ worker (older report).

A thin wrapper over the harness's stt scenario (``python -m benchmarks run stt`` measures the same,
bounded, as JSON lines). Direct = WhisperTranscriber in this process; queued = a real
`dialog-keeper worker` on Redis, where enqueue → start is the queue overhead. RTF = transcription
seconds / audio seconds (lower is better). Writes ``results/stt_rtf.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness.bounds import Budget  # noqa: E402  # after the path set-up above
from benchmarks.harness.stats import percentile  # noqa: E402
from benchmarks.scenarios.stt import make_clip, measure_direct, measure_queued, stt_settings  # noqa: E402
from inference.stt import resolve_device  # noqa: E402


def summary(values: list[float]) -> dict[str, float]:
    """p50/p95 rounded."""
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3), "n": len(values)}


def main() -> None:
    """Run both paths for each clip length and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 15, 60])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/stt_rtf.json"))
    args = parser.parse_args()
    unbounded = len(args.lengths) * args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = stt_settings(data, queue=f"stt-bench-{uuid.uuid4().hex[:6]}")
        clips = {n: make_clip(data, n) for n in args.lengths}
        direct = measure_direct(settings, clips, args.repeats, Budget(unbounded, 3600.0))
        queued = measure_queued(settings, data, clips, args.repeats, Budget(unbounded, 3600.0), timeout_s=900.0)
    device, compute_type = resolve_device(settings.stt.device, settings.stt.compute_type)
    result = {"benchmark": "stt_rtf", "model": f"{settings.stt.model_dir.name} (CTranslate2)", "device": device,
              "compute_type": compute_type, "beam_size": settings.stt.beam_size, "vad_filter": settings.stt.vad_filter,
              "clips": {str(n): {"direct_rtf": summary(direct[n].rtf), "queued_rtf": summary(queued[n].rtf),
                                 "queue_overhead_ms": summary(queued[n].queue_ms)} for n in args.lengths}}
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result["clips"], indent=1))


if __name__ == "__main__":
    main()
