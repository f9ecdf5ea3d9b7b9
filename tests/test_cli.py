"""The `dialog-keeper` command as a user runs it: real subprocesses, real server, clear failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.store.db import make_engine
from bot.store.models import AnswerRecord, Message, Outcome
from tests.conftest import SAMPLE_KB, TEST_REDIS_URL


def run_cli(data_dir: Path, *args: str, llm_url: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own data directory (no .env from the repository)."""
    env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_LLM__BASE_URL": llm_url,
           "DK_REDIS_URL": TEST_REDIS_URL, "DK_LLM__MAX_TOKENS": "32"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=data_dir, timeout=180)


@pytest.fixture(scope="module")
def cli_kb(tmp_path_factory: pytest.TempPathFactory, llm_base_url: str) -> Path:
    """A data directory holding the English sample pages, ingested through the CLI."""
    data_dir = tmp_path_factory.mktemp("cli")
    result = run_cli(data_dir, "ingest", str(SAMPLE_KB / "en"), llm_url=llm_base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("added") == 6
    again = run_cli(data_dir, "ingest", str(SAMPLE_KB / "en/office.md"), llm_url=llm_base_url)
    assert "unchanged" in again.stdout and "added" not in again.stdout
    return data_dir


def _answers(data_dir: Path) -> list[AnswerRecord]:
    engine = make_engine(f"sqlite:///{data_dir / 'dialog_keeper.db'}")
    with Session(engine) as session:
        rows = list(session.exec(select(AnswerRecord)))
        assert session.exec(select(Message)).first() is not None, "the question is kept as a message"
    engine.dispose()
    return rows


def test_ask_streams_an_answer_then_sources(cli_kb: Path, llm_base_url: str) -> None:
    result = run_cli(cli_kb, "ask", "How many vacation days do I get per year?", llm_url=llm_base_url)
    assert result.returncode == 0, result.stderr
    body, _, sources = result.stdout.partition("Sources:")
    assert body.strip(), "some answer text precedes the sources"
    assert "[1]" in sources and "vacation-policy.md" in sources
    assert "Traceback" not in result.stderr


def test_ask_about_something_absent_says_so(cli_kb: Path, llm_base_url: str) -> None:
    result = run_cli(cli_kb, "ask", "What is the best food for a golden retriever puppy?", llm_url=llm_base_url)
    assert result.returncode == 0
    assert "no answer" in result.stdout and "Sources: none" in result.stdout


def test_ask_with_llm_down_fails_clearly_and_keeps_the_question(cli_kb: Path, dead_llm_url: str) -> None:
    result = run_cli(cli_kb, "ask", "Как подать заявление на отпуск?", llm_url=dead_llm_url)
    assert result.returncode == 3
    assert "Языковая модель сейчас недоступна" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    last = _answers(cli_kb)[-1]
    assert last.question == "Как подать заявление на отпуск?" and last.outcome == Outcome.error


def test_empty_question_is_a_usage_error(cli_kb: Path, llm_base_url: str) -> None:
    result = run_cli(cli_kb, "ask", "   ", llm_url=llm_base_url)
    assert result.returncode == 2 and "Вопрос пустой" in result.stderr


def test_ingest_of_a_missing_path_and_missing_models_fail_without_traceback(tmp_path: Path,
                                                                            llm_base_url: str) -> None:
    missing = run_cli(tmp_path, "ingest", str(tmp_path / "nowhere"), llm_url=llm_base_url)
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    env_result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "vacation?"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "DK_DATA_DIR": str(tmp_path), "DK_EMBEDDINGS__MODEL_DIR": str(tmp_path / "no-model")})
    assert env_result.returncode == 4 and "models install-dev" in env_result.stderr
    assert "Traceback" not in env_result.stderr


def test_chat_remembers_turns_and_forgets_on_reset(cli_kb: Path, llm_base_url: str) -> None:
    env = {**os.environ, "DK_DATA_DIR": str(cli_kb), "DK_LLM__BASE_URL": llm_base_url,
           "DK_LLM__MAX_TOKENS": "24", "DK_LANGUAGE": "en"}
    script = "How many vacation days do I get per year?\nAnd what about that?\n/reset\nAnd what about that?\n/exit\n"
    result = subprocess.run([sys.executable, "-m", "bot", "chat"], input=script, capture_output=True, text=True,
                            env=env, cwd=cli_kb, timeout=180)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("> ")
    # the follow-up finds the vacation page through the previous turn; after /reset it finds nothing
    assert "vacation-policy.md" in blocks[2]
    assert "Conversation forgotten." in blocks[3]
    assert "no answer" in blocks[4] and "Sources: none" in blocks[4]
