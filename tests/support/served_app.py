"""An ASGI app built in the test process, served by uvicorn on a loopback socket.

For what only code can set up (accounts passed to ``create_app``, say) while the test
still talks HTTP over a real socket, like to a ``toast-relay serve`` process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.support.procs import free_port
from tests.support.waits import wait_for


@contextmanager
def served(app: ASGIApp, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` (its lifespan running) on 127.0.0.1 in a thread; its URL once started.
    Leaving the block shuts it down gracefully and waits for the thread."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(),
                                           log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="served-app", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), timeout=timeout,
                 what="the app to start serving")
        assert server.started, "the app did not start (see the log above)"
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
