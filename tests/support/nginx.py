"""Turn deploy/nginx/toast-relay.conf into an nginx config a test can run.

The example is written for a real host (ports 80/443, certificates under
/etc/nginx/tls, upstream 127.0.0.1:8080). ``write_config`` rewrites those for a
throw-away prefix directory and wraps the result in a minimal main
``nginx.conf`` (``daemon off``, pid, logs and temp paths inside the prefix), so
tests can run ``nginx -t`` on it or start a real nginx in the foreground in
front of a running relay::

    nginx = require_binary("nginx")
    cert, key = self_signed_cert(tmp_path)
    conf = write_config(tmp_path, http_port=p1, https_port=p2,
                        upstream=f"127.0.0.1:{relay_port}", cert=cert, key=key)
    with run_nginx(nginx, conf, tmp_path, ports=(p1, p2)):
        ...  # https://127.0.0.1:p2/ is the relay behind nginx
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.procs import free_port, require_binary

__all__ = [
    "EXAMPLE",
    "EXAMPLE_UPSTREAM",
    "compose_site",
    "enable_microcache",
    "free_port",
    "main_conf",
    "nginx_command",
    "require_binary",
    "rewrite_site",
    "run_nginx",
    "self_signed_cert",
    "uncomment_root_path",
    "write_config",
]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "nginx" / "toast-relay.conf"
EXAMPLE_UPSTREAM = "127.0.0.1:8080"
"""The upstream address in the example; docker-compose.yml rewrites the same string."""

ACME_WEBROOT = "/var/www/acme"
"""Where the example serves Let's Encrypt's challenge files from (certbot's -w)."""
MICROCACHE_DIR = "/var/cache/nginx/toast-relay"
"""Where the example's micro-cache keeps its files."""
_MICROCACHE_MARK = re.compile(r"^( *)#mc ", re.MULTILINE)
_ROOT_PATH_BLOCK = re.compile(r"^    # (location /toast/.*?^    # \})\n", re.MULTILINE | re.DOTALL)

_LISTEN_RE = re.compile(r"^(\s*)listen\s+(\[::\]:)?(\d+)([^;]*);", re.MULTILINE)


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """Make a self-signed certificate for ``host`` (and localhost); returns (cert, key)."""
    openssl = require_binary("openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = f"IP:{host}" if re.fullmatch(r"[\d.]+", host) else f"DNS:{host}"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", f"subjectAltName={san},DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _sub_once(pattern: str, repl: str, text: str) -> str:
    new, count = re.subn(pattern, repl, text)
    if not count:
        raise ValueError(f"the nginx example no longer contains {pattern!r}; "
                         "update tests/support/nginx.py")
    return new


def rewrite_site(
    text: str, *, http_port: int, https_port: int, upstream: str, cert: Path, key: Path,
    access_log: Path,
) -> str:
    """The example's server blocks with test ports, upstream, certificate and log paths.

    IPv6 listeners are dropped (test machines may have no ::1) and the HTTPS
    redirect keeps the test port so a client can follow it.
    """
    ports = {"80": http_port, "443": https_port}

    def listen(m: re.Match[str]) -> str:
        indent, v6, port, rest = m.groups()
        if port not in ports:
            raise ValueError(f"unexpected listen port {port} in the nginx example")
        if v6:
            return f"{indent}# (IPv6 listener dropped for the test)"
        return f"{indent}listen 127.0.0.1:{ports[port]}{rest};"

    text, count = _LISTEN_RE.subn(listen, text)
    if not count:
        raise ValueError("the nginx example has no listen directives")
    text = _sub_once(re.escape(f"server {EXAMPLE_UPSTREAM};"), f"server {upstream};", text)
    text = _sub_once(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", text)
    text = _sub_once(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", text)
    text = _sub_once(r"access_log\s+/\S+", f"access_log {access_log}", text)
    text = _sub_once(re.escape(f"root {ACME_WEBROOT};"), f"root {access_log.parent / 'acme'};",
                     text)
    return _sub_once(r"https://\$host\$request_uri",
                     f"https://$host:{https_port}$request_uri", text)


def uncomment_root_path(text: str, prefix: str = "/toast") -> str:
    """The example with its commented RELAY_ROOT_PATH blocks switched on for ``prefix``."""
    blocks = _ROOT_PATH_BLOCK.findall(text)
    if len(blocks) != 2:
        raise ValueError("the nginx example no longer has its two commented /toast/ blocks")
    for block in blocks:
        live = re.sub(r"^    # ?", "    ", "    # " + block, flags=re.MULTILINE)
        text = text.replace("    # " + block, live.replace("/toast", prefix), 1)
    return text


def enable_microcache(text: str, cache_dir: Path) -> str:
    """The example with its micro-cache on (the "#mc " marks removed, as nginx.sh does with
    NGINX_MICROCACHE=on) and its files in ``cache_dir``."""
    live, count = _MICROCACHE_MARK.subn(r"\1", text)
    if count < 2:
        raise ValueError("the nginx example no longer has its #mc micro-cache lines")
    return _sub_once(re.escape(f"proxy_cache_path {MICROCACHE_DIR} "),
                     f"proxy_cache_path {cache_dir} ", live)


def compose_site(directory: Path, microcache: str = "off") -> str:
    """The example as deploy/compose/nginx.sh renders it inside compose's nginx container."""
    out = directory / "compose-default.conf"
    subprocess.run(["/bin/sh", str(ROOT / "deploy" / "compose" / "nginx.sh")], check=True,
                   env={**os.environ, "SRC": str(EXAMPLE), "DST": str(out), "RENDER_ONLY": "1",
                        "NGINX_MICROCACHE": microcache})
    return out.read_text()


def main_conf(site: str, prefix: Path, worker_connections: int = 128) -> str:
    """A minimal main nginx.conf around ``site`` with every path under ``prefix``."""
    tmp = prefix / "tmp"
    # As root, workers would drop to `nobody`, who cannot enter a 0700 pytest
    # tmp dir; keeping them root is harmless for a test-only nginx.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\n"
        "worker_processes 1;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\n"
        f"events {{ worker_connections {worker_connections}; }}\n"
        "http {\n"
        "    types { text/html html; application/json json; text/csv csv; }\n"
        "    default_type application/octet-stream;\n"
        f"    access_log {prefix / 'access.log'};\n"
        f"{temps}\n"
        f"{site}\n"
        "}\n"
    )


def write_config(
    prefix: Path, *, http_port: int, https_port: int, upstream: str, cert: Path, key: Path,
    example: Path = EXAMPLE, worker_connections: int = 128,
) -> Path:
    """Write ``prefix/nginx.conf`` built from the example; returns its path."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    site = rewrite_site(
        example.read_text(), http_port=http_port, https_port=https_port, upstream=upstream,
        cert=cert, key=key, access_log=prefix / "access.log",
    )
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(site, prefix, worker_connections))
    return conf


def nginx_command(nginx: str, conf: Path, prefix: Path, *args: str) -> list[str]:
    """``nginx -p prefix -e prefix/error.log -c conf ARGS``: nothing outside the prefix."""
    return [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), *args]


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def run_nginx(
    nginx: str, conf: Path, prefix: Path, *, ports: tuple[int, ...], give_up_after: float = 20.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run nginx in the foreground until every port accepts; end it by its PID afterwards."""
    proc = subprocess.Popen(
        nginx_command(nginx, conf, prefix), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + give_up_after
        while not all(_accepting(p) for p in ports):
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                log = prefix / "error.log"
                raise RuntimeError(f"nginx exited {proc.returncode}: {err}"
                                   f"{log.read_text() if log.exists() else ''}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not listen on {ports}")
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM to this PID: nginx's fast shutdown
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()
