"""nginx serving the relay's bytes from a temp dir: the ceiling for a static answer."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.procs import HOST, Proc, Procs, find_binary, free_port


def nginx_conf(root: Path, port: int) -> str:
    """One worker, access log off, keep-alive without a request cap, one file for /menu/*."""
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


def start_nginx(procs: Procs, root: Path, body: bytes) -> str | None:
    """Start nginx in the foreground on a free port; None when nginx is not installed."""
    binary = find_binary("nginx")
    if binary is None:
        return None
    (root / "www").mkdir(parents=True)
    (root / "temp").mkdir()
    (root / "www" / "menu.json").write_bytes(body)
    # Workers drop to an unprivileged user when nginx starts as root: let them reach the
    # file (the temp dirs above are 0700). Only sample menu bytes live there.
    for parent in (root, *root.parents):
        if parent == Path(tempfile.gettempdir()):
            break
        os.chmod(parent, 0o711)  # noqa: S103 - traverse only, see above
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
