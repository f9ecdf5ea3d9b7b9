"""Nothing in compose.gpu.yml phones home: every service's telemetry, usage statistics and update checks are off.

Each service is listed with the switches that silence it; a service added to the compose file without
an entry here fails the first test, so its telemetry is looked at before it ships.
"""

from __future__ import annotations

import pytest

from tests.deploy.test_compose import compose_doc

HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1"}

# service → the environment that turns its telemetry and update checks off (empty: it has none to turn off).
SILENCED: dict[str, dict[str, str]] = {
    "vllm": {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    "qdrant": {"QDRANT__TELEMETRY_DISABLED": "true"},
    "grafana": {"GF_ANALYTICS_REPORTING_ENABLED": "false", "GF_ANALYTICS_CHECK_FOR_UPDATES": "false",
                "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES": "false", "GF_NEWS_NEWS_FEED_ENABLED": "false",
                "GF_PLUGINS_PREINSTALL_DISABLED": "true", "GF_SNAPSHOTS_EXTERNAL_ENABLED": "false",
                "GF_ANALYTICS_FEEDBACK_LINKS_ENABLED": "false"},
    "bot": HF_OFFLINE,  # model containers: transformers / sentence-transformers / faster-whisper never ask the hub
    "worker": HF_OFFLINE,
    "redis": {},  # no telemetry in Redis 7.4
    "postgres": {},  # none in PostgreSQL
    "prometheus": {},  # none in Prometheus (no update check, no usage reporting)
    "vllm-router": {},  # a Rust binary with no usage reporting or update check (optional profile)
    "n8n": {"N8N_DIAGNOSTICS_ENABLED": "false", "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false", "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_DYNAMIC_BANNERS_ENABLED": "false", "N8N_LICENSE_AUTO_RENEW_ENABLED": "false"},  # optional profile
}


def test_every_service_is_accounted_for() -> None:
    assert set(compose_doc()["services"]) == set(SILENCED)


@pytest.mark.parametrize("service", sorted(SILENCED))
def test_telemetry_and_update_checks_are_off(service: str) -> None:
    env = compose_doc()["services"][service].get("environment", {})
    assert {k: env.get(k) for k in SILENCED[service]} == SILENCED[service]


def test_grafana_installs_no_plugin_from_the_internet() -> None:
    env = compose_doc()["services"]["grafana"]["environment"]
    assert not any(k in env for k in ("GF_INSTALL_PLUGINS", "GF_PLUGINS_PREINSTALL"))


def test_vllm_is_told_not_to_download_anything() -> None:
    vllm = compose_doc()["services"]["vllm"]
    assert vllm["command"][0].startswith("/models/"), "a local directory, never a hub repository id"
    assert "--download-dir" not in vllm["command"] and "--trust-remote-code" not in vllm["command"]
