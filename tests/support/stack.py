"""The usual integration stack as real processes: simulator, relay replicas, maybe Redis.

``running_stack`` starts them through ``Procs`` and stops every one by PID when its block
ends (a redis-server it started too), so a test states only what it varies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.procs import Proc, Procs
from tests.support.redis_server import RedisServer
from tests.support.relay_env import relay_env


@dataclass
class RunningStack:
    """What ``running_stack`` started; ``procs`` starts anything more a test needs."""

    procs: Procs
    sim: str
    """The simulator's URL."""
    env: dict[str, str]
    """The relays' environment (``relay_env`` and the test's own settings)."""
    redis: RedisServer | None = None
    relays: list[Proc] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    @property
    def relay(self) -> Proc:
        """The first relay."""
        return self.relays[0]

    @property
    def url(self) -> str:
        """The first relay's URL."""
        return self.urls[0]

    def start_relays(self, n: int = 1, *, timeout: float = 60.0, port: int | None = None,
                     extra_args: list[str] | None = None, **env: str) -> list[str]:
        """Start ``n`` more relays at once (the stack's env, ``env`` winning), then wait until
        each answers /healthz; their URLs. ``port`` (with ``n`` = 1) reuses a stopped one's."""
        started = [self.procs.spawn_relay({**self.env, **env}, port=port, extra_args=extra_args)
                   for _ in range(n)]
        for proc, url in started:
            self.relays.append(proc)
            self.urls.append(url)
        for proc, url in started:
            proc.wait_http(f"{url}/healthz", timeout)
        return [url for _, url in started]

    def start_relay(self, *, timeout: float = 60.0, port: int | None = None,
                    extra_args: list[str] | None = None, **env: str) -> tuple[Proc, str]:
        """One more relay (for instance the same one again after a stop): process and URL."""
        (url,) = self.start_relays(1, timeout=timeout, port=port, extra_args=extra_args, **env)
        return self.relays[-1], url


@contextmanager
def running_stack(tmp: Path, *, relays: int = 1, redis: RedisServer | bool = False,
                  sim_url: str | None = None, token_lifetime: float = 86400.0,
                  sim_args: list[str] | None = None, local_images: bool = False,
                  relay_args: list[str] | None = None, relay_timeout: float = 60.0,
                  env_for: Callable[..., dict[str, str]] = relay_env,
                  **env: str) -> Iterator[RunningStack]:
    """Start the stack, yield it, stop everything by PID.

    ``relays`` replicas share ``env_for(sim_url, **env)`` (``relay_env`` unless a suite has
    its own keys and restaurants); ``redis`` is a server to share
    (``True`` starts a fresh one); ``sim_url`` reuses a simulator started elsewhere, else
    one starts with ``token_lifetime``, ``sim_args`` and ``local_images``.
    """
    with ExitStack() as cleanup:
        server: RedisServer | None = None
        if redis is True:
            server = RedisServer(tmp)
            cleanup.callback(server.kill)  # registered first: the relays stop before it
            server.start()
        elif isinstance(redis, RedisServer):
            server = redis
        procs = cleanup.enter_context(Procs(tmp))
        sim = sim_url or procs.sim(token_lifetime, sim_args, local_images)
        shared = {"REDIS_URL": server.url} if server else {}
        stack = RunningStack(procs, sim, env_for(sim, **{**shared, **env}), server)
        if relays:
            stack.start_relays(relays, timeout=relay_timeout, extra_args=relay_args)
        yield stack

