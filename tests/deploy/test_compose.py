"""docker-compose.yml and .env.example: the relay from the Dockerfile, nginx in front."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings, load_settings
from app.errors import ConfigError
from tests.deploy.nginx_conf import EXAMPLE, EXAMPLE_UPSTREAM

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
RELAY: dict[str, Any] = COMPOSE["services"]["relay"]
NGINX: dict[str, Any] = COMPOSE["services"]["nginx"]
SETTINGS = {name.upper() for name in Settings.model_fields}
COMPOSE_VARS = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
"""Variables docker compose itself reads from .env (e.g. the bundled Redis's password)."""
REDIS: dict[str, Any] = COMPOSE["services"]["redis"]
CONTRACT = {
    "TOAST_API_URL", "TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET", "TOAST_USER_ACCESS_TYPE",
    "TOAST_AUTH_MODE", "TOAST_TOKEN_REFRESH_WINDOW", "TOAST_LOGINS_PER_HOUR", "RELAY_API_KEYS",
    "RELAY_ADMIN_KEY", "RELAY_RESTAURANTS", "RELAY_REFRESH_INTERVAL", "RELAY_STOCK_INTERVAL",
    "RELAY_STALE_MAX", "RELAY_DATA_DIR", "RELAY_WEBHOOK_SECRET", "REDIS_URL", "RELAY_LOG_FORMAT",
    "RELAY_TRUSTED_PROXIES", "RELAY_ROOT_PATH",
}


def _env_example() -> dict[str, list[str]]:
    """Variable → values shown in .env.example (set or commented out)."""
    found: dict[str, list[str]] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        m = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            found.setdefault(m.group(1), []).append(m.group(2))
    return found


def test_relay_is_built_from_the_dockerfile() -> None:
    """The relay service builds the repository's Dockerfile from the repository root."""
    build = RELAY["build"]
    assert build["context"] == "."
    assert (ROOT / build["dockerfile"]).resolve() == (ROOT / "Dockerfile").resolve()


def test_relay_reads_the_env_file_made_from_the_example() -> None:
    """The relay takes its configuration from .env, which .env.example documents."""
    env_file = RELAY["env_file"]
    assert (env_file if isinstance(env_file, str) else env_file[0]) == ".env"
    assert (ROOT / ".env.example").is_file()


def test_data_dir_is_a_named_volume() -> None:
    """RELAY_DATA_DIR points at a mount backed by a declared named volume."""
    data_dir = RELAY["environment"]["RELAY_DATA_DIR"]
    named = {v.split(":")[0]: v.split(":")[1] for v in RELAY["volumes"]}
    volume = next(name for name, target in named.items() if target == data_dir)
    assert volume in COMPOSE["volumes"]
    assert not volume.startswith((".", "/")), "a bind mount, not a named volume"


def test_compose_environment_uses_real_setting_names() -> None:
    """Every variable compose sets is one the relay reads."""
    assert set(RELAY["environment"]) <= SETTINGS


def test_relay_trusts_exactly_the_compose_network() -> None:
    """RELAY_TRUSTED_PROXIES is the subnet nginx and the relay share."""
    networks = set(RELAY["networks"]) & set(NGINX["networks"])
    assert len(networks) == 1
    subnets = [c["subnet"] for c in COMPOSE["networks"][networks.pop()]["ipam"]["config"]]
    assert RELAY["environment"]["RELAY_TRUSTED_PROXIES"] == ",".join(subnets)


def test_only_nginx_is_published() -> None:
    """The relay has no host ports; nginx publishes 80 and 443 and waits for a healthy relay."""
    assert "ports" not in RELAY
    assert {p.split(":")[-1] for p in NGINX["ports"]} == {"80", "443"}
    assert NGINX["image"].startswith("nginx:")
    assert NGINX["depends_on"]["relay"]["condition"] == "service_healthy"


def test_nginx_mounts_the_deploy_config() -> None:
    """nginx mounts deploy/nginx/toast-relay.conf read-only."""
    sources = [v.split(":")[0] for v in NGINX["volumes"]]
    assert "./deploy/nginx/toast-relay.conf" in sources
    assert all(v.endswith(":ro") for v in NGINX["volumes"])


def test_nginx_command_points_the_example_at_the_relay_service(tmp_path: Path) -> None:
    """Compose's rewrite of the example changes only the upstream and the IPv6 listeners."""
    script: str = NGINX["command"][2]
    mounted = next(v.split(":")[1] for v in NGINX["volumes"] if "toast-relay.conf" in v)
    out = tmp_path / "default.conf"
    script = script.replace(mounted, str(EXAMPLE)).replace("/etc/nginx/conf.d/default.conf",
                                                           str(out))
    prepare, _, run = script.partition(" && exec ")
    assert run.startswith("nginx -g 'daemon off;'")
    subprocess.run(["/bin/sh", "-c", prepare], check=True)
    rendered, original = out.read_text(), EXAMPLE.read_text()
    assert EXAMPLE_UPSTREAM not in rendered
    assert "server relay:8080;" in rendered
    assert "listen [::]" not in rendered
    kept = [line for line in original.splitlines()
            if "listen [::]" not in line and EXAMPLE_UPSTREAM not in line]
    assert [line for line in rendered.splitlines() if "relay:8080" not in line] == kept


def test_env_example_documents_every_setting() -> None:
    """.env.example names every variable of the contract and every Settings field."""
    names = set(_env_example())
    assert names >= CONTRACT, CONTRACT - names
    assert names >= SETTINGS, SETTINGS - names


def test_env_example_names_only_real_settings() -> None:
    """Every variable in .env.example is one the relay or compose reads (no typos)."""
    assert set(_env_example()) <= SETTINGS | COMPOSE_VARS
    assert set(_env_example()) | {"TLS_DIR"} >= COMPOSE_VARS


def test_two_replicas_share_one_password_protected_redis() -> None:
    """Compose runs two relay replicas whose REDIS_URL names the bundled, password-protected
    Redis, which publishes no port and persists nothing."""
    assert RELAY["deploy"]["replicas"] == 2
    url = RELAY["environment"]["REDIS_URL"]
    assert url.startswith("redis://:${REDIS_PASSWORD") and url.endswith("@redis:6379/0")
    assert "redis" in RELAY["depends_on"]
    assert "ports" not in REDIS and set(REDIS["networks"]) == set(RELAY["networks"])
    command = " ".join(REDIS["command"])
    assert "--requirepass" in command and "$$REDIS_PASSWORD" in command
    assert "--appendonly no" in command


@pytest.mark.parametrize("name", ["TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET", "RELAY_API_KEYS",
                                  "RELAY_ADMIN_KEY", "RELAY_WEBHOOK_SECRET", "REDIS_URL",
                                  "REDIS_PASSWORD"])
def test_env_example_secrets_are_obvious_placeholders(name: str) -> None:
    """Credential values in .env.example say to replace them; none looks like a real secret."""
    for value in _env_example()[name]:
        assert "replace-with" in value, f"{name}={value}"


def _uncommented() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            values[m.group(1)] = m.group(2)
    return values


def test_env_example_placeholders_are_refused() -> None:
    """Copied unchanged, .env.example stops start-up with a line naming the placeholder."""
    with pytest.raises(ConfigError, match="placeholder"):
        load_settings(_uncommented())


def test_env_example_loads_once_filled_in() -> None:
    """With its placeholders replaced, the uncommented lines form a working configuration."""
    values = {k: v.replace("replace-with", "k7Qz9-x2Lp") for k, v in _uncommented().items()}
    settings = load_settings(values)
    assert settings.toast_api_url == "https://ws-api.toasttab.com"
