"""ansible/: ansible-lint (production profile), syntax check, check mode and a real render on localhost.

What runs for real here: ansible-core executes the host-independent roles against localhost, writing
the stack's files into a scratch directory; the rendered compose project then goes through
`docker compose config`, the egress ruleset through `nft --check`, the systemd units through
`systemd-analyze verify`. Tasks that need apt, Docker, systemd as PID 1 or a GPU are skipped by tag.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from bot.settings import ROOT
from inference.vllm import VLLMLaunchConfig
from tests.deploy.test_compose import compose_config

ANSIBLE = ROOT / "ansible"
BIN = Path(sys.executable).parent
SKIP_TAGS = "packages,service,docker,gpu"


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_ROLES_PATH": str(ANSIBLE / "roles"),
            "ANSIBLE_CACHE_PLUGIN": "memory", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}


def _playbook(tmp_path: Path, *args: str, extra: dict[str, object]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "vars.json").write_text(json.dumps(extra))
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", f"@{ANSIBLE / 'group_vars/all.yml'}", "-e", f"@{tmp_path / 'vars.json'}",
                           str(ROOT / "tests/deploy/ansible_check.yml"), *args],
                          capture_output=True, text=True, timeout=120, env=_env(tmp_path), cwd=tmp_path)


def _vars(root: Path) -> dict[str, object]:
    """Test values: every path under ``root``, placeholder secrets of the accepted shape."""
    nft = shutil.which("nft") or "/usr/sbin/nft"
    return {
        "dialog_keeper_source_dir": str(ROOT),
        "dialog_keeper_dir": str(root / "opt/dialog-keeper"),
        "dialog_keeper_unit_dir": str(root / "systemd"),
        "dialog_keeper_models_dir": str(root / "models"),
        "dialog_keeper_start": False,
        "dialog_keeper_docker_bin": shutil.which("docker") or "/bin/true",
        "dialog_keeper_admin_ids": [111111111],
        "dialog_keeper_extra_env": {"DK_LANGUAGE": "en"},
        "dialog_keeper_vllm_max_model_len": 16384,
        "vault_dialog_keeper_telegram_token": "123456:AAE-test-token-0123456789",
        "vault_dialog_keeper_llm_api_key": "test-llm-key-0123456789",
        "vault_dialog_keeper_postgres_password": "test-postgres-0123456789",
        "vault_dialog_keeper_redis_password": "0123456789abcdef0123456789abcdef",
        "vault_dialog_keeper_qdrant_api_key": "test-qdrant-0123456789",
        "vault_dialog_keeper_grafana_admin_password": "test-grafana-0123456789",
        "models_mirror": "http://127.0.0.1:9/mirror",
        "models_dir": str(root / "models"),
        "models_uid": os.getuid(),
        "egress_enabled": False,  # renders the ruleset without loading it (no systemd as PID 1 here)
        "egress_rules_path": str(root / "etc/egress.nft"),
        "egress_unit_dir": str(root / "systemd"),
        "egress_allowed_cidrs": ["10.20.0.0/16", "fd00:20::/64"],
        "egress_dns_servers": ["10.20.0.53"],
        "egress_validate_command": f"{nft} --check --file %s" if os.path.exists(nft) else "test -s %s",
    }


def _recap(output: str) -> dict[str, int]:
    line = next(line for line in output.splitlines() if line.startswith("localhost") and "ok=" in line)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def test_ansible_lint_production_profile_passes(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "ansible-lint"), "--offline", "--profile", "production", "--nocolor"],
                            capture_output=True, text=True, timeout=180, cwd=ANSIBLE, env=_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


def test_site_playbook_syntax(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", "inventory.example.ini",
                             "site.yml"], capture_output=True, text=True, timeout=60, cwd=ANSIBLE, env=_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    site = yaml.safe_load((ANSIBLE / "site.yml").read_text())
    roles = [r["role"] for r in site[0]["roles"]]
    assert roles == ["base", "nvidia_driver", "docker", "nvidia_container_toolkit", "dialog_keeper", "models", "egress"]


def test_check_mode_on_localhost_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "host"
    result = _playbook(tmp_path, "--check", "--diff", "--skip-tags", SKIP_TAGS, extra=_vars(root))
    assert result.returncode == 0, result.stdout + result.stderr
    recap = _recap(result.stdout)
    assert recap["failed"] == 0 and recap["changed"] >= 5  # directories, compose, deploy/, .env, units, ruleset
    assert not root.exists(), "check mode wrote nothing"
    assert "test-llm-key" not in result.stdout, ".env is never shown in a diff"


def test_rendered_stack_is_valid_and_a_second_run_is_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "host"
    (root / "systemd").mkdir(parents=True)  # /etc/systemd/system exists on every host
    first = _playbook(tmp_path, "--tags", "render", extra=_vars(root))
    assert first.returncode == 0, first.stdout + first.stderr
    stack = root / "opt/dialog-keeper"
    env_file = stack / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line and not line.startswith("#"))
    assert env["DK_LLM__API_KEY"] == "test-llm-key-0123456789" and env["DK_TELEGRAM__ADMIN_IDS"] == "[111111111]"
    assert env["DK_LANGUAGE"] == "en" and env["DK_HOST_MODELS_DIR"] == str(root / "models")
    assert (stack / "deploy/grafana/dashboards/dialog-keeper.json").is_file()

    # The rendered project, as the host's systemd unit would start it.
    config = compose_config(stack, None)  # the .env Ansible wrote
    assert config.returncode == 0, config.stderr
    vllm = json.loads(config.stdout)["services"]["vllm"]
    assert vllm["command"] == VLLMLaunchConfig(max_model_len=16384).serve_args()

    ruleset = (root / "etc/egress.nft").read_text()
    assert "149.154.160.0/20" in ruleset and "10.20.0.0/16" in ruleset and "fd00:20::/64" in ruleset
    assert "10.20.0.53" in ruleset and 'jump allowed' in ruleset and "\t\tdrop\n" in ruleset
    nft = shutil.which("nft")
    if nft:
        check = subprocess.run([nft, "--check", "--file", str(root / "etc/egress.nft")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr

    analyze = shutil.which("systemd-analyze")
    for unit in ("dialog-keeper.service", "dk-egress.service"):
        text = (root / "systemd" / unit).read_text()
        assert "[Install]\nWantedBy=multi-user.target" in text
        if analyze and (nft or unit == "dialog-keeper.service"):
            verify = subprocess.run([analyze, "verify", "--man=no", str(root / "systemd" / unit)],
                                    capture_output=True, text=True)
            # Only docker.service may be unknown here (no Docker engine); any other complaint is a unit bug.
            problems = [line for line in verify.stderr.splitlines() if "docker.service not found" not in line]
            assert problems == [], verify.stderr

    second = _playbook(tmp_path, "--tags", "render", extra=_vars(root))
    assert second.returncode == 0 and _recap(second.stdout)["changed"] == 0, second.stdout


def test_a_weak_secret_stops_the_play_before_anything_is_written(tmp_path: Path) -> None:
    root = tmp_path / "host"
    result = _playbook(tmp_path, "--tags", "render",
                       extra={**_vars(root), "vault_dialog_keeper_postgres_password": "short"})
    assert result.returncode != 0 and "POSTGRES_PASSWORD must be at least 16 characters" in result.stdout
    assert "short" not in result.stdout  # no_log: the value itself is never printed
    assert not root.exists()


def _defined_names() -> set[str]:
    names = set(yaml.safe_load((ANSIBLE / "group_vars/all.yml").read_text()))
    for path in (ANSIBLE / "roles").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text()) or []
        if path.parent.name == "vars":
            names |= set(doc)
            continue
        for task in doc if isinstance(doc, list) else []:
            names |= set(task.get("vars", {})) | ({task["register"]} if "register" in task else set())
    return names


def test_every_role_variable_is_defined_and_documented() -> None:
    pattern = re.compile(r"\b((?:base|nvidia_driver|nvidia_container_toolkit|docker|dialog_keeper|models|egress)_\w+)")
    used = set()
    for path in (ANSIBLE / "roles").rglob("*"):
        if path.is_file():
            used |= set(pattern.findall(path.read_text()))
    used -= {"dialog_keeper_dir_images"}  # not a variable: none is spelled like this, kept for clarity
    assert used - _defined_names() == set(), "a role reads a variable nobody defines"

    lines = (ANSIBLE / "group_vars/all.yml").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z]\w*:", line):
            block = i
            while block > 0 and re.match(r"^([a-z]\w*:|  )", lines[block - 1]):
                block -= 1  # keys of one commented block, and list items
            assert lines[block - 1].startswith("#"), f"group_vars/all.yml: {line.split(':')[0]} has no comment"
