"""docker-compose.yml and .env.example, checked without a Docker engine.

The file is read as YAML and interpolated the way compose does (``${VAR:-default}``,
``${VAR:?message}``, ``$$``) with the .env that ``toast-relay setup`` writes: services,
profiles, healthchecks, volumes and the variables it needs are pinned here; the nginx
site it renders is run in a real nginx by test_nginx.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings, load_settings
from app.errors import ConfigError
from app.setup_env import EnvValues, new_key, new_redis_password, render_env
from tests.support.nginx import EXAMPLE, compose_site

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
REPLICAS = {name: s for name, s in SERVICES.items() if name.startswith("relay-")}
RELAY: dict[str, Any] = REPLICAS["relay-a"]
NGINX: dict[str, Any] = SERVICES["nginx"]
MONITORING = {"prometheus", "grafana"}
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


_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation of ``text``: ``${X}``, ``${X:-default}``, ``${X:?error}``
    (an error when X is unset or empty), and ``$$`` for a literal ``$``."""
    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name, "")
        if op == ":?" and not value:
            raise KeyError(f"{name}: {arg}")
        if op == ":-" and not value:
            return arg
        if op is None and name not in env:
            raise KeyError(f"{name} has no default")
        return value
    parts = text.split("$$")
    return "$".join(_VAR.sub(one, part) for part in parts)


def _setup_env() -> dict[str, str]:
    """What `toast-relay setup` writes, read back as compose reads .env."""
    text = render_env(EnvValues(api_url="https://ws-api.toasttab.com", client_id="client-1",
                                client_secret="s3cret", screen_key=new_key(),
                                admin_key=new_key(), redis_password=new_redis_password()))
    values: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            values[m.group(1)] = m.group(2).strip("'")
    return values


def test_replicas_are_built_from_the_dockerfile() -> None:
    """Every relay replica builds the repository's Dockerfile into one image name."""
    assert set(REPLICAS) == {"relay-a", "relay-b"}
    for relay in REPLICAS.values():
        assert relay["build"]["context"] == "."
        assert (ROOT / relay["build"]["dockerfile"]).resolve() == (ROOT / "Dockerfile").resolve()
    assert len({r["image"] for r in REPLICAS.values()}) == 1


def test_relay_reads_the_env_file_made_from_the_example() -> None:
    """The relays take their configuration from .env, which .env.example documents."""
    for relay in REPLICAS.values():
        env_file = relay["env_file"]
        assert (env_file if isinstance(env_file, str) else env_file[0]) == ".env"
    assert (ROOT / ".env.example").is_file()


def test_each_replica_has_its_own_data_volume() -> None:
    """RELAY_DATA_DIR is a named volume per replica (two processes never share the files)."""
    seen: set[str] = set()
    for relay in REPLICAS.values():
        data_dir = relay["environment"]["RELAY_DATA_DIR"]
        named = {v.split(":")[1]: v.split(":")[0] for v in relay["volumes"]}
        volume = named[data_dir]
        assert volume in COMPOSE["volumes"] and not volume.startswith((".", "/"))
        seen.add(volume)
    assert len(seen) == len(REPLICAS)


def test_compose_environment_uses_real_setting_names() -> None:
    """Every variable compose sets on a relay is one the relay reads."""
    for relay in REPLICAS.values():
        assert set(relay["environment"]) <= SETTINGS


def test_relay_trusts_exactly_the_compose_network() -> None:
    """RELAY_TRUSTED_PROXIES is the subnet nginx and the relays share."""
    networks = set(RELAY["networks"]) & set(NGINX["networks"])
    assert len(networks) == 1
    subnets = [c["subnet"] for c in COMPOSE["networks"][networks.pop()]["ipam"]["config"]]
    assert RELAY["environment"]["RELAY_TRUSTED_PROXIES"] == ",".join(subnets)


def test_only_nginx_is_published_to_the_world() -> None:
    """Relays and Redis publish nothing; nginx publishes 80 and 443 and waits for healthy
    relays; the monitoring UIs publish on 127.0.0.1 only."""
    for name, service in SERVICES.items():
        if name == "nginx":
            continue
        assert all(p.startswith("127.0.0.1:") for p in service.get("ports", [])), name
    assert {p.split(":")[-1] for p in NGINX["ports"]} == {"80", "443"}
    assert NGINX["image"].startswith("nginx:")
    assert all(NGINX["depends_on"][r]["condition"] == "service_healthy" for r in REPLICAS)


def test_every_service_has_a_healthcheck_and_waits_on_healthy_ones() -> None:
    """Each service declares a healthcheck, and every depends_on waits for a healthy one."""
    for name, service in SERVICES.items():
        assert service["healthcheck"]["test"], name
        for dep, how in service.get("depends_on", {}).items():
            assert how["condition"] == "service_healthy", (name, dep)
            assert "healthcheck" in SERVICES[dep]


def test_monitoring_is_a_profile_and_the_rest_starts_by_default() -> None:
    """Prometheus and Grafana start only with --profile monitoring; `docker compose up -d`
    starts Redis, the relays, certbot and nginx."""
    assert {n for n, s in SERVICES.items() if "profiles" in s} == MONITORING
    assert all(SERVICES[n]["profiles"] == ["monitoring"] for n in MONITORING)


def test_setup_env_is_all_compose_needs() -> None:
    """With the .env `toast-relay setup` writes, every variable interpolates (the others
    have defaults), and REDIS_URL carries the generated password to the bundled Redis."""
    env = _setup_env()
    text = (ROOT / "docker-compose.yml").read_text()
    rendered = yaml.safe_load(interpolate(text, env))
    url = rendered["services"]["relay-a"]["environment"]["REDIS_URL"]
    settings = load_settings({**env, "REDIS_URL": url, "RELAY_DATA_DIR": ""})
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == f"redis://:{env['REDIS_PASSWORD']}@redis:6379/0"
    with pytest.raises(KeyError, match="REDIS_PASSWORD"):
        interpolate(text, {k: v for k, v in env.items() if k != "REDIS_PASSWORD"})


def test_no_variable_is_used_without_a_default_or_a_message() -> None:
    """Every ${VAR} in the file has a default (:-) or says what to set (:?)."""
    text = (ROOT / "docker-compose.yml").read_text().replace("$$", "")
    uses = _VAR.findall(text)
    assert uses
    for name, op, arg in uses:
        assert op in (":-", ":?"), name
        assert op == ":-" or "toast-relay setup" in arg, name


def test_replicas_share_one_password_protected_redis() -> None:
    """Both replicas' REDIS_URL names the bundled Redis, which needs the password, publishes
    no port, persists nothing and is healthy only when it answers PONG to that password."""
    redis = SERVICES["redis"]
    for relay in REPLICAS.values():
        url = relay["environment"]["REDIS_URL"]
        assert url.startswith("redis://:${REDIS_PASSWORD") and url.endswith("@redis:6379/0")
        assert relay["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "ports" not in redis and set(redis["networks"]) == set(RELAY["networks"])
    command = " ".join(redis["command"])
    assert "--requirepass" in command and "$$REDIS_PASSWORD" in command
    assert "--appendonly no" in command
    assert "REDISCLI_AUTH" in redis["healthcheck"]["test"][1]


def test_nginx_finds_replicas_by_an_alias_through_docker_dns() -> None:
    """Both replicas answer to the alias nginx proxies to; nginx.sh turns on Docker's
    resolver (127.0.0.11) for it."""
    for relay in REPLICAS.values():
        assert "relay" in relay["networks"]["relay"]["aliases"]
    script = (ROOT / "deploy" / "compose" / "nginx.sh").read_text()
    assert "relay:8080" in script and "127\\.0\\.0\\.11" in script


def test_nginx_script_changes_only_the_upstream_resolver_and_ipv6(tmp_path: Path) -> None:
    """The compose rendering swaps the upstream group for relay:8080 with Docker's resolver,
    drops the IPv6 listeners, and leaves every other line of the example as it is."""
    rendered, original = compose_site(tmp_path), EXAMPLE.read_text()
    assert "set $relay_upstream relay:8080;" in rendered
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in rendered
    assert "set $relay_upstream toast_relay;" not in rendered
    assert "listen [::]" not in rendered
    changed = ("listen [::]", "$relay_upstream toast_relay;", "relay_upstream relay:8080;",
               "resolver 127.0.0.11")
    kept = [line for line in original.splitlines() if not any(c in line for c in changed)]
    assert [line for line in rendered.splitlines()
            if not any(c in line for c in changed)] == kept


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target path → source (volume name or ./path) of a service's mounts."""
    return {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}


def test_certificates_flow_from_certbot_to_nginx() -> None:
    """certbot and nginx share the challenge webroot (served on port 80 at the path the
    example names) and the certificate directory nginx's ssl_certificate points into."""
    certbot, nginx = _mounts(SERVICES["certbot"]), _mounts(NGINX)
    assert certbot["/var/www/acme"] == nginx["/var/www/acme"] == "acme-webroot"
    assert certbot["/tls"] == nginx["/etc/nginx/tls"] == "tls"
    site = EXAMPLE.read_text()
    assert "location /.well-known/acme-challenge/ {\n        root /var/www/acme;" in site
    assert "ssl_certificate     /etc/nginx/tls/fullchain.pem;" in site
    assert all(v.endswith(":ro") for v in NGINX["volumes"])
    script = (ROOT / "deploy" / "compose" / "certbot.sh").read_text()
    assert "--webroot -w \"$webroot\"" in script and "--keep-until-expiring" in script
    assert "cp -L" in script, "live/ holds symlinks: copy what they point at"


@pytest.mark.parametrize("script", ["nginx.sh", "certbot.sh"])
def test_compose_scripts_parse(script: str) -> None:
    """The shell scripts the containers run are valid POSIX sh."""
    subprocess.run(["/bin/sh", "-n", str(ROOT / "deploy" / "compose" / script)], check=True)


def test_monitoring_scrapes_every_replica_directly() -> None:
    """Prometheus finds the replicas by the `relay` alias on the port they expose, with
    the rules file beside its config; Grafana gets the provisioning folders that exist."""
    prom = yaml.safe_load((ROOT / "deploy" / "monitoring" / "prometheus.yml").read_text())
    job = prom["scrape_configs"][0]
    sd = job["dns_sd_configs"][0]
    assert sd["names"] == ["relay"] and str(sd["port"]) in RELAY["expose"]
    mounts = _mounts(SERVICES["prometheus"])
    config = mounts["/etc/prometheus/prometheus.yml"]
    assert (ROOT / config).is_file()
    for rules in prom["rule_files"]:
        assert mounts[f"/etc/prometheus/{rules}"] == f"./deploy/monitoring/{rules}"
    assert job["authorization"]["credentials_file"] in SERVICES["prometheus"]["command"][0]
    for source in _mounts(SERVICES["grafana"]).values():
        assert source.startswith("grafana-data") or (ROOT / source).is_dir(), source


def test_env_example_documents_every_setting() -> None:
    """.env.example names every variable of the contract and every Settings field."""
    names = set(_env_example())
    assert names >= CONTRACT, CONTRACT - names
    assert names >= SETTINGS, SETTINGS - names


def test_env_example_names_only_real_settings() -> None:
    """Every variable in .env.example is one the relay or compose reads (no typos)."""
    assert set(_env_example()) <= SETTINGS | COMPOSE_VARS
    assert set(_env_example()) | {"TLS_DIR"} >= COMPOSE_VARS


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
