"""Run the simulator on a real socket: ``python -m app.sim.server --port 8081``.

The token lifetime comes from ``--token-lifetime``, else ``SIM_TOKEN_LIFETIME``,
else 86400 seconds (one day, like Toast).
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from app.config import parse_duration
from app.sim.app import create_sim_app
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


def run_sim(host: str = "127.0.0.1", port: int = 8081, token_lifetime: float | None = None,
            webhooks: WebhookConfig | None = None, *, local_images: bool = False) -> None:
    """Serve the simulator until stopped; ``token_lifetime=None`` reads SIM_TOKEN_LIFETIME.

    ``local_images`` serves the sample's item images from the simulator itself."""
    lifetime = token_lifetime if token_lifetime is not None else token_lifetime_from_env()
    base = f"http://{host}:{port}" if local_images else None
    app = create_sim_app(SimState(token_lifetime=lifetime, webhooks=webhooks,
                                  image_base=base))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sim.server",
                                     description="Toast API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token-lifetime", type=float, default=None,
                        help="seconds a new token lives (default: SIM_TOKEN_LIFETIME or 86400)")
    args = parser.parse_args(argv)
    try:
        lifetime = args.token_lifetime if args.token_lifetime is not None \
            else token_lifetime_from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if lifetime <= 0:
        print("error: --token-lifetime must be more than 0 seconds", file=sys.stderr)
        return 2
    print(f"Toast simulator on http://{args.host}:{args.port} "
          f"(token lifetime {lifetime:g} s)", flush=True)
    run_sim(args.host, args.port, lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
