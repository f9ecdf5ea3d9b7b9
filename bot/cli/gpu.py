"""`gpu-check`: prove every GPU path of this host (torch, embeddings, Whisper, NVML, the LLM server)."""

from __future__ import annotations

import argparse

from bot.cli.console import Command
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``gpu-check`` sub-command."""
    from inference.gpu_check import add_arguments

    parser = sub.add_parser("gpu-check", help="prove each GPU path and print a table (exit 1 on a failure; "
                            "without a GPU it says so and exits 0)")
    add_arguments(parser)
    return {"gpu-check": cmd_gpu_check}


def cmd_gpu_check(settings: Settings, args: argparse.Namespace) -> int:
    """Run the GPU check against the configured models and LLM server."""
    from inference.gpu_check import GpuCheckConfig, report_and_exit, run_checks

    config = GpuCheckConfig(embedding_model_dir=settings.embeddings.model_dir, stt_model_dir=settings.stt.model_dir,
                            llm_base_url=settings.llm.base_url, llm_model=settings.llm.model,
                            llm_api_key=settings.llm.api_key.get_secret_value(),
                            random_weights=args.random_weights)
    return report_and_exit(run_checks(config), args.json)
