"""nginx serving the relay's bytes from a temp dir: the ceiling for a static answer."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from bench.procs import HOST, Proc, Procs, find_binary, free_port


def _head(root: Path) -> str:
    """The start of every benchmark nginx: one worker, no daemon, its files under ``root``,
    access log off; the ``http`` block stays open for the caller."""
    temp = root / "temp"
    return f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
"""


def nginx_conf(root: Path, port: int) -> str:
    """One worker, access log off, keep-alive without a request cap, one file for /menu/*."""
    return _head(root) + f"""
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    server {{
        listen {HOST}:{port};
        root {root}/www;
        location /menu/ {{
            default_type application/json;
            add_header Cache-Control "private, max-age=30";
            try_files /menu.json =404;
        }}
    }}
}}
"""


def _let_workers_in(root: Path) -> None:
    """Workers drop to an unprivileged user when nginx starts as root: let them traverse to
    ``root`` (temp dirs are 0700). Only sample menu bytes and nginx's own files live there."""
    for parent in (root, *root.parents):
        if parent == Path(tempfile.gettempdir()):
            break
        os.chmod(parent, 0o711)  # noqa: S103 - traverse only, see above


def start_nginx(procs: Procs, root: Path, body: bytes) -> str | None:
    """Start nginx in the foreground on a free port; None when nginx is not installed."""
    binary = find_binary("nginx")
    if binary is None:
        return None
    (root / "www").mkdir(parents=True)
    (root / "temp").mkdir()
    (root / "www" / "menu.json").write_bytes(body)
    _let_workers_in(root)
    os.chmod(root / "www", 0o755)  # noqa: S103 - the public menu file's directory
    os.chmod(root / "www" / "menu.json", 0o644)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(nginx_conf(root, port))
    proc = procs.start(Proc("nginx", [binary, "-e", str(root / "error.log"), "-p", str(root),
                                      "-c", str(conf)], root / "stdout.log"))
    url = f"http://{HOST}:{port}"
    proc.wait_http(f"{url}/menu/x", timeout=10)
    return url


EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "toast-relay.conf"
_MAPS = re.compile(r"^map \$\S+ \$toast_relay_\w+ \{.*?^\}", re.MULTILINE | re.DOTALL)
_MARKED = re.compile(r"^ *#mc (.*)$", re.MULTILINE)


def microcache_parts(cache_dir: Path) -> tuple[str, str]:
    """The example's micro-cache as (http-level, server-level) directives, with its files in
    ``cache_dir``: the maps and every "#mc " line, so the benchmark runs what ships."""
    text = EXAMPLE.read_text()
    marked = _MARKED.findall(text)
    start = next(i for i, line in enumerate(marked) if line.startswith("proxy_cache_path"))
    end = next(i for i in range(start, len(marked)) if marked[i].rstrip().endswith(";"))
    path = " ".join(marked[start:end + 1]).replace("/var/cache/nginx/toast-relay",
                                                   str(cache_dir), 1)
    http = "\n".join([path, *_MAPS.findall(text)])
    return http, "\n".join(marked[:start] + marked[end + 1:])


def microcache_conf(root: Path, port: int, relay: str) -> str:
    """The example's micro-cache in front of ``relay`` (host:port) over plain HTTP: one
    worker, access log off, kept-alive upstream connections, as ``nginx_conf``."""
    http, server = microcache_parts(root / "cache")
    return _head(root) + f"""
    keepalive_requests 10000000;
    keepalive_timeout 65;
    upstream toast_relay {{ server {relay}; keepalive 16; }}
{http}
    server {{
        listen {HOST}:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
{server}
        location / {{ proxy_pass http://toast_relay; }}
    }}
}}
"""


def start_microcache(procs: Procs, root: Path, relay_url: str) -> str | None:
    """nginx with the example's micro-cache in front of the relay; None without nginx."""
    binary = find_binary("nginx")
    if binary is None:
        return None
    (root / "temp").mkdir(parents=True)
    _let_workers_in(root)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(microcache_conf(root, port, relay_url.removeprefix("http://")))
    proc = procs.start(Proc("nginx-microcache", [
        binary, "-e", str(root / "error.log"), "-p", str(root), "-c", str(conf)],
        root / "stdout.log"))
    url = f"http://{HOST}:{port}"
    proc.wait_http(f"{url}/healthz", timeout=10)
    return url
