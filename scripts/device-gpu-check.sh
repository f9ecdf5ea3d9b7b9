#!/usr/bin/env bash
# One run on a lent GPU machine that has PyTorch, transformers and nvidia-ml-py but not this project's
# virtualenv, no model weights and no network: `dialog-keeper gpu-check --random-weights` without the
# bot's settings (`python -m inference.gpu_check`). Writes the table and the JSON report to $OUT (or ./).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-.}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
{
  echo "# $(date -u +%FT%TZ) $(uname -m); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -1)"
  python3 -c "import sys, torch; print('# python', sys.version.split()[0], '| torch', torch.__version__, torch.version.cuda)"
  python3 -c "from inference.embeddings import embedding_device; print('# embedding_device(cuda) ->', embedding_device('cuda'))"
} 2>&1 | tee "$out/gpu_check_env.txt"
timeout 240 python3 -m inference.gpu_check --random-weights --json "$out/gpu_check_h100.json" 2>&1 | tee "$out/gpu_check_h100.txt"
rc=${PIPESTATUS[0]}
echo "exit code: $rc" | tee -a "$out/gpu_check_h100.txt"
# The ingestion batch: chunks/s of XLM-R large (random weights, fp16, 256 tokens) per batch size.
timeout 120 python3 -c "
import json, sys
from inference.gpu_probes import probe_embeddings_random
sweep = {b: probe_embeddings_random(batch=b)['chunks_per_s'] for b in (32, 64, 128, 256)}
print('chunks/s by batch:', sweep)
json.dump({'metric': 'xlmr_large_fp16_chunks_per_s_by_batch', 'chunk_tokens': 256, 'chunks_per_s': sweep},
          open(sys.argv[1], 'w'), indent=2)
" "$out/embed_batch_sweep.json" 2>&1 | tail -3
exit "$rc"
