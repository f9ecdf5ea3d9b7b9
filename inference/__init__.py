"""Model-side code: LLM client, embeddings, model servers and the model pack.

Importing this package pins the Hugging Face stack offline: weights load from local
directories only and nothing phones home (no downloads, no telemetry).
"""

import os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",  # no weight-loading progress bars in the CLI's output
    "TOKENIZERS_PARALLELISM": "false",  # fork-safety warnings in worker processes
}.items():
    os.environ.setdefault(_name, _value)
