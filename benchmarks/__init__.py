"""Benchmarks of Dialog Keeper: one harness (``python -m benchmarks``) for latency and throughput.

``run SCENARIO`` measures (llm, e2e, stt, retrieval, ingest) and writes JSON lines that follow
``result.schema.json``; ``compare A B`` prints ratios per metric; ``plot`` draws PNGs; ``ceiling``
prints the memory-bandwidth ceiling of single-stream decode. The older scripts
(``answer_latency.py``, ``telegram_overhead.py``, ``stt_rtf.py``, …) still run on their own.
"""
