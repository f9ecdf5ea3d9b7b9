"""The Prometheus alert rules: valid for promtool, firing on the right series, on metrics that exist."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from bot.settings import ROOT

RULES = ROOT / "deploy/prometheus/alerts.yml"
promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                              reason="promtool missing: scripts/install.sh installs Debian's prometheus package")


@promtool
def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 5 rules found" in result.stdout


@promtool
def test_alerts_fire_on_the_series_that_should_fire_them() -> None:
    result = subprocess.run(["promtool", "test", "rules", "alerts.test.yml"], cwd=RULES.parent, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_name_only_metrics_that_exist() -> None:
    source = (ROOT / "bot/metrics.py").read_text() + (ROOT / "bot/ops/metrics.py").read_text()
    defined = set(re.findall(r'"(dk_[a-z_]+)"', source))
    exported = defined | {f"{name}{suffix}" for name in defined for suffix in ("_bucket", "_sum", "_count")}
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"\b(dk_[a-z_]+)", rule["expr"])}
    assert used and used <= exported, used - exported
    assert {r["alert"] for r in rules} >= {"ModelServerDown", "QueueBacklog", "GpuMemoryAbove95Percent",
                                           "AnswerLatencyP95AboveTarget"}


def test_compose_prometheus_loads_the_rules_and_healthchecks_use_the_probes() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    compose = yaml.safe_load((ROOT / "compose.gpu.yml").read_text())
    volumes = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in volumes
    for service in ("bot", "worker"):
        assert "/readyz" in " ".join(compose["services"][service]["healthcheck"]["test"])
