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


# --- Layouts: the same roles on one host or on four (inventory.example.ini shows both) -------------------

LAYOUT_HOSTS = "core:llm:stt:vectors:bot"


def layout_inventory(tmp_path: Path, layout: str) -> Path:
    """inventory.example.ini as shipped (one host), or with its commented four-host block in its place."""
    text = (ANSIBLE / "inventory.example.ini").read_text()
    if layout == "four-hosts":
        block = text.split("# BEGIN four-hosts\n")[1].split("# END four-hosts")[0]
        text = "".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in block.splitlines(True))
    folder = tmp_path / f"inventory-{layout}"
    (folder / "group_vars").mkdir(parents=True, exist_ok=True)
    # Beside the inventory, as beside site.yml: below the inventory's host variables (dialog_keeper_gpus=2).
    shutil.copy(ANSIBLE / "group_vars/all.yml", folder / "group_vars/all.yml")
    path = folder / "hosts.ini"
    path.write_text(text)
    return path


def _layout_vars(root: Path) -> dict[str, object]:
    """_vars with every path under root/<host>/, so each host of a layout renders into a folder of its own."""
    per_host = {k: v.replace(str(root), f"{root}/{{{{ inventory_hostname }}}}") if isinstance(v, str) else v
                for k, v in _vars(root).items()}
    return {**per_host, "dialog_keeper_backup_dir": f"{root}/{{{{ inventory_hostname }}}}/backups",
            "egress_tracker_cidrs": ["10.20.9.9/32"], "dk_check_hosts": LAYOUT_HOSTS, "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable}


def _layout_playbook(tmp_path: Path, inventory: Path, *args: str, extra: dict[str, object]
                     ) -> subprocess.CompletedProcess[str]:
    (tmp_path / "vars.json").write_text(json.dumps(extra))
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", f"@{tmp_path / 'vars.json'}",
                           str(ROOT / "tests/deploy/ansible_check.yml"), *args],
                          capture_output=True, text=True, timeout=300, env=_env(tmp_path), cwd=tmp_path)


def _services(stack: Path) -> dict[str, dict[str, object]]:
    """The services `docker compose config` would start on a host (compose.gpu.yml + its compose.host.yml)."""
    from tests.deploy.test_compose import compose_binary

    command = compose_binary()
    if command is None:
        import pytest

        pytest.skip("no Docker Compose v2 here")
    result = subprocess.run([*command, "--project-directory", str(stack), "--file", str(stack / "compose.gpu.yml"),
                             "--file", str(stack / "compose.host.yml"), "config", "--format", "json"],
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(stack)})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)["services"])


def test_both_layouts_pass_syntax_and_check_mode(tmp_path: Path) -> None:
    for layout in ("one-host", "four-hosts"):
        inventory = layout_inventory(tmp_path, layout)
        syntax = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(inventory), "site.yml"],
                                capture_output=True, text=True, timeout=60, cwd=ANSIBLE, env=_env(tmp_path))
        assert syntax.returncode == 0, syntax.stdout + syntax.stderr
        root = tmp_path / layout
        check = _layout_playbook(tmp_path, inventory, "--check", "--skip-tags", SKIP_TAGS, extra=_layout_vars(root))
        assert check.returncode == 0, check.stdout + check.stderr
        assert "failed=0" in check.stdout and not root.exists(), "check mode wrote nothing"
        hosts = {line.split()[0] for line in check.stdout.splitlines() if "ok=" in line and "failed=" in line}
        assert hosts == ({"gpu-01.example.internal"} if layout == "one-host"
                         else {"dk-core", "dk-gpu-1", "dk-gpu-2", "dk-gpu-3"})


def test_gpu_driver_and_toolkit_only_on_gpu_hosts(tmp_path: Path) -> None:
    inventory = layout_inventory(tmp_path, "four-hosts")
    result = subprocess.run([str(BIN / "ansible"), LAYOUT_HOSTS, "-i", str(inventory), "-c", "local", "-m", "debug",
                             "-a", "msg={{ dialog_keeper_gpu_host | bool }}/{{ docker_nvidia_runtime | bool }}",
                             "-e", f"ansible_python_interpreter={sys.executable}"],
                            capture_output=True, text=True, timeout=120, env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    said = dict(re.findall(r'^(\S+) \| SUCCESS => \{\s*"msg": "(\S+)"', result.stdout, re.MULTILINE))
    assert said == {"dk-core": "False/False", "dk-gpu-1": "True/True", "dk-gpu-2": "True/True",
                    "dk-gpu-3": "True/True"}
    site = yaml.safe_load((ANSIBLE / "site.yml").read_text())[0]
    gated = {r["role"]: r.get("when") for r in site["roles"]}
    assert gated["nvidia_driver"] == gated["nvidia_container_toolkit"] == "dialog_keeper_gpu_host | bool"


def test_four_hosts_each_run_only_their_services(tmp_path: Path) -> None:
    root = tmp_path / "four"
    for host in ("dk-core", "dk-gpu-1", "dk-gpu-2", "dk-gpu-3"):
        (root / host / "systemd").mkdir(parents=True)
    inventory = layout_inventory(tmp_path, "four-hosts")
    result = _layout_playbook(tmp_path, inventory, "--tags", "render", extra=_layout_vars(root))
    assert result.returncode == 0, result.stdout + result.stderr
    services = {host: _services(root / host / "opt/dialog-keeper")
                for host in ("dk-core", "dk-gpu-1", "dk-gpu-2", "dk-gpu-3")}
    assert {h: set(s) for h, s in services.items()} == {
        "dk-core": {"postgres", "redis", "sentinel", "prometheus", "grafana", "qdrant", "scheduler", "tickets",
                    "qdrant-lb"},
        "dk-gpu-1": {"vllm", "vllm-1", "vllm-router", "qdrant"},
        "dk-gpu-2": {"vllm", "vllm-1", "qdrant"},
        "dk-gpu-3": {"bot", "dialog", "worker", "qdrant-lb"},
    }
    router = services["dk-gpu-1"]["vllm-router"]["command"]
    assert router[router.index("--policy") + 1] == "consistent_hash"
    assert router[router.index("--worker-urls") + 1:] == [
        "http://10.20.0.11:8100", "http://10.20.0.11:8101", "http://10.20.0.12:8100", "http://10.20.0.12:8101"]
    env = services["dk-gpu-3"]["dialog"]["environment"]
    assert env["DK_ROLES"] == "dialog" and services["dk-gpu-3"]["bot"]["environment"]["DK_ROLES"] == "ingress"
    assert services["dk-core"]["scheduler"]["environment"]["DK_ROLES"] == "scheduler"
    assert env["DK_LLM__BASE_URL"] == "http://10.20.0.11:8000/v1" and env["DK_QDRANT__URL"] == "http://qdrant-lb:6333"
    assert (env["DK_QDRANT__SHARDS"], env["DK_QDRANT__REPLICATION_FACTOR"]) == ("6", "2")
    assert json.loads(str(env["DK_REDIS__SENTINELS"])) == ["10.20.0.10:26379"]
    assert "@10.20.0.10:5432/dk" in str(env["DK_DATABASE_URL"])
    assert "deploy" not in services["dk-core"]["scheduler"], "no GPU reserved on the host without one"
    for host, first in (("dk-core", True), ("dk-gpu-1", False), ("dk-gpu-2", False)):
        qdrant = services[host]["qdrant"]
        assert qdrant["environment"]["QDRANT__CLUSTER__ENABLED"] == "true"
        assert ("--bootstrap" in qdrant["command"]) is not first
    lb = (root / "dk-core/opt/dialog-keeper/deploy/haproxy/qdrant.cfg").read_text()
    assert all(f"10.20.0.{n}:6333" in lb for n in (10, 11, 12))
    haproxy = shutil.which("haproxy")
    if haproxy:
        check = subprocess.run([haproxy, "-c", "-f", str(root / "dk-core/opt/dialog-keeper/deploy/haproxy/qdrant.cfg")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

    rules = {h: (root / h / "etc/egress.nft").read_text() for h in services}
    telegram = [h for h, r in rules.items() if "149.154.160.0/20" in r]
    assert telegram == ["dk-gpu-3"], "only the bot host reaches Telegram"
    assert [h for h, r in rules.items() if "10.20.9.9" in r] == ["dk-core"], "only the ticket host reaches the tracker"
    assert "10.20.0.11" in rules["dk-core"] and "10.20.0.10" not in rules["dk-core"], "peers, not itself"
    nft = shutil.which("nft")
    if nft:
        for host, _ in rules.items():
            check = subprocess.run([nft, "--check", "--file", str(root / host / "etc/egress.nft")],
                                   capture_output=True, text=True)
            assert check.returncode == 0, check.stderr


def test_one_host_layout_runs_everything_with_backups(tmp_path: Path) -> None:
    root = tmp_path / "one"
    (root / "gpu-01.example.internal/systemd").mkdir(parents=True)
    inventory = layout_inventory(tmp_path, "one-host")
    result = _layout_playbook(tmp_path, inventory, "--tags", "render", extra=_layout_vars(root))
    assert result.returncode == 0, result.stdout + result.stderr
    host = root / "gpu-01.example.internal"
    services = _services(host / "opt/dialog-keeper")
    assert set(services) == {"vllm", "qdrant", "redis", "postgres", "bot", "worker", "prometheus", "grafana"}
    bot = services["bot"]["environment"]
    assert bot["DK_BACKUP__DIR"] == "/backups" and bot["DK_BACKUP__KEEP_DAYS"] == "14"
    assert bot["DK_LLM__BASE_URL"] == "http://vllm:8000/v1" and bot["DK_QDRANT__SHARDS"] == "1"
    assert (host / "backups").is_dir()
    rules = (host / "etc/egress.nft").read_text()
    assert "149.154.160.0/20" in rules and "10.20.9.9" in rules, "one host: Telegram and the tracker"
