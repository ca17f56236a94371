"""The Python floor: a bare Starlette route returning ready bytes with an ETag.

Run as ``python -m bench.floor --port P --body FILE --meta FILE`` under uvicorn with
the settings ``toast-relay serve`` uses (one worker, uvicorn's default loop and
HTTP implementation, no access log, proxy headers on, no Server header), so the
only difference from the relay is the relay's own per-request work.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == bare for t in header.split(","))


def create_floor_app(body: bytes, headers: dict[str, str], media_type: str) -> Starlette:
    etag = headers["ETag"]

    async def menu(request: Request) -> Response:
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    return Starlette(routes=[Route("/menu/{restaurant}", menu, methods=["GET"])])


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.floor")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--body", type=Path, required=True)
    p.add_argument("--meta", type=Path, required=True,
                   help="JSON {headers: {...}, mediaType: ...} captured from the relay")
    a = p.parse_args()
    meta = json.loads(a.meta.read_text())
    app = create_floor_app(a.body.read_bytes(), meta["headers"], meta["mediaType"])
    uvicorn.run(app, host="127.0.0.1", port=a.port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1", server_header=False)


if __name__ == "__main__":
    main()
