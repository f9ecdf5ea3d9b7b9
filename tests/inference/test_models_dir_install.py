"""`dialog-keeper models install-dev` writes into DK_MODELS_DIR, and the settings then find the model there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings


def test_install_dev_installs_into_dk_models_dir(tmp_path: Path) -> None:
    models = tmp_path / "elsewhere"
    env = {**os.environ, "DK_MODELS_DIR": str(models), "DK_DATA_DIR": str(tmp_path / "var")}
    # run outside the checkout with no --manifest: the manifest is found, the files land in DK_MODELS_DIR
    done = subprocess.run([sys.executable, "-m", "bot", "models", "install-dev", "--name", "smollm2-135m-instruct"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr
    settings = Settings(_env_file=None, models_dir=models)  # type: ignore[call-arg]
    assert settings.llama_server.model_path.is_file()
    assert settings.llama_server.model_path.is_relative_to(models)
