"""Run the simulator on a real socket: ``python -m app.sim.server --port 8081``.

The token lifetime comes from ``--token-lifetime``, else ``SIM_TOKEN_LIFETIME``,
else 86400 seconds (one day, like Toast). ``--clients FILE`` replaces the built-in
API clients (``app.sim.clients``). At start it prints each client and its restaurants,
never a secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from app.config import parse_duration
from app.sim.app import create_sim_app
from app.sim.clients import SimClients, default_credentials, load_clients
from app.sim.sample import simulated_restaurants
from app.sim.state import DEFAULT_TOKEN_LIFETIME, SimState
from app.sim.webhooks import WebhookConfig


def token_lifetime_from_env(env: dict[str, str] | None = None) -> float:
    raw = (env if env is not None else dict(os.environ)).get("SIM_TOKEN_LIFETIME", "").strip()
    if not raw:
        return DEFAULT_TOKEN_LIFETIME
    seconds = parse_duration(raw)
    if seconds <= 0:
        raise ValueError("SIM_TOKEN_LIFETIME must be more than 0 seconds")
    return seconds


def webhook_time_scale_from_env(env: dict[str, str] | None = None) -> float:
    """``SIM_WEBHOOK_TIME_SCALE``: multiplies Toast's 5 and 10 minute resend waits (tests)."""
    raw = (env if env is not None else dict(os.environ)).get("SIM_WEBHOOK_TIME_SCALE", "")
    if not raw.strip():
        return 1.0
    try:
        return float(raw)
    except ValueError:
        raise ValueError("SIM_WEBHOOK_TIME_SCALE must be a number > 0, e.g. 0.01") from None


def clients_banner(state: SimState, clients: SimClients | None = None) -> str:
    """Each API client, its kind and its restaurants; where its secret is, never the secret."""
    where = (f"secret in {clients.source}" if clients is not None
             else "secret in docs/getting-started.md")
    lines = ["API clients (log in at /authentication/v1/authentication/login):"]
    for client_id, cred in state.credentials.items():
        kind = "partner API" if cred.partner else "standard API access"
        lines.append(f"  {client_id} ({kind}; {where})")
        for guid in sorted(cred.restaurants):
            record = state.restaurants.get(guid.lower())
            lines.append(f"    {guid}  " + (record.name if record is not None else
                                             f"(empty until POST /_sim/large/{guid})"))
    return "\n".join(lines)


def run_sim(host: str = "127.0.0.1", port: int = 8081, token_lifetime: float | None = None,
            webhooks: WebhookConfig | None = None, *, local_images: bool = False,
            clients: SimClients | None = None) -> None:
    """Serve the simulator until stopped; ``token_lifetime=None`` reads SIM_TOKEN_LIFETIME.

    ``local_images`` serves the sample's item images from the simulator itself;
    ``clients`` (a clients file) replaces the built-in API clients."""
    lifetime = token_lifetime if token_lifetime is not None else token_lifetime_from_env()
    base = f"http://{host}:{port}" if local_images else None
    state = SimState(
        token_lifetime=lifetime, webhooks=webhooks, image_base=base,
        credentials=clients.credentials if clients is not None else default_credentials,
        restaurants=clients.restaurants if clients is not None else simulated_restaurants)
    print(f"Toast simulator on http://{host}:{port} (token lifetime {lifetime:g} s)\n"
          + clients_banner(state, clients), flush=True)
    uvicorn.run(create_sim_app(state), host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sim.server",
                                     description="Toast API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token-lifetime", type=float, default=None,
                        help="seconds a new token lives (default: SIM_TOKEN_LIFETIME or 86400)")
    parser.add_argument("--clients", type=Path, default=None, metavar="FILE",
                        help="a TOML file of API clients replacing the built-in ones")
    args = parser.parse_args(argv)
    try:
        lifetime = args.token_lifetime if args.token_lifetime is not None \
            else token_lifetime_from_env()
        clients = load_clients(args.clients) if args.clients is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if lifetime <= 0:
        print("error: --token-lifetime must be more than 0 seconds", file=sys.stderr)
        return 2
    run_sim(args.host, args.port, lifetime, clients=clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
