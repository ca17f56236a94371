"""``toast-relay``: serve, demo, sim, check, setup and screens.

Configuration errors end the program with one line on stderr and exit code 2;
nothing here ever prints a traceback, the client secret or a token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from app.config import DEFAULT_ACCOUNT, Settings, load_accounts, load_settings
from app.errors import ConfigError, RelayError
from app.fdlimit import files_needed, log_open_files_limit, raise_open_files_limit

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="toast-relay",
        description="A caching relay between signage players and the Toast POS API. "
                    "Configuration comes from the environment and an optional .env file; "
                    "see docs/configuration.md.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the relay (configured from the environment; "
                                         "with REDIS_URL, as one of several replicas)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default %(default)s)")
    serve.add_argument("--port", type=int, default=8080, help="port (default %(default)s)")

    demo = sub.add_parser("demo", help="run the relay and a simulated Toast together, no "
                                       "credentials needed; prints working URLs")
    demo.add_argument("--host", default="127.0.0.1",
                      help="address the relay listens on (default %(default)s); 0.0.0.0 lets "
                           "a TV or player on the LAN show it, and the URLs printed use this "
                           "machine's LAN address")
    demo.add_argument("--port", type=int, default=8080, help="relay port (default %(default)s)")
    demo.add_argument("--sim-port", type=int, default=8081,
                      help="simulated Toast port (default %(default)s)")

    sim = sub.add_parser("sim", help="run only the Toast simulator with its sample restaurants "
                                     "and API clients")
    sim.add_argument("--host", default="127.0.0.1", help="address (default %(default)s)")
    sim.add_argument("--port", type=int, default=8081, help="port (default %(default)s)")
    sim.add_argument("--token-lifetime", type=float,
                     default=float(os.environ.get("SIM_TOKEN_LIFETIME", "86400")),
                     help="seconds a simulated token lives (default %(default)s, or "
                          "SIM_TOKEN_LIFETIME)")
    sim.add_argument("--local-images", action="store_true",
                     help="serve the sample's item images from the simulator (the relay "
                          "then needs RELAY_IMAGE_ALLOW_PRIVATE=true to fetch them)")
    sim.add_argument("--webhook-url", default=None,
                     help="send Toast webhooks (menus_updated on publish, stock events on stock "
                          "changes) to this URL, e.g. http://127.0.0.1:8080/webhooks/toast")
    sim.add_argument("--webhook-secret", default=None,
                     help="the menus subscription's secret the webhooks are signed with "
                          "(the relay's RELAY_WEBHOOK_SECRET must list it)")
    sim.add_argument("--stock-webhook-secret", default=None,
                     help="the stock subscription's secret (default: --webhook-secret)")
    sim.add_argument("--webhook-time-scale", type=float, default=None,
                     help="multiply Toast's 5 and 10 minute resend waits by this (default 1, "
                          "or SIM_WEBHOOK_TIME_SCALE)")
    sim.add_argument("--clients", type=Path, default=None, metavar="FILE",
                     help="a TOML file of API clients replacing the built-in ones: "
                          "[clients.ID] with secret, restaurants (GUIDs) and partner "
                          "(true/false); see docs/development.md")

    check = sub.add_parser("check", help="validate the configuration, list RELAY_RESTAURANTS "
                                         "with names and menu timestamps and the restaurants "
                                         "the credentials reach; reuses the token saved in "
                                         "RELAY_DATA_DIR while it is valid (no login)")
    check.add_argument("--login", action="store_true",
                       help="log in to Toast even while a saved token is valid (to test the "
                            "credentials themselves; counts against Toast's 2 logins an hour)")
    check.add_argument("--account", default=None, metavar="NAME",
                       help="with RELAY_ACCOUNTS_FILE, check only this account (default: "
                            "every account in turn)")
    _setup_parser(sub)
    from app.screens_cli import add_parser

    add_parser(sub)
    return p


def _setup_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = sub.add_parser(
        "setup", help="from Toast credentials to a working .env (or, with --account, a new "
                      "account in the accounts file): log in once (or reuse a saved token) "
                      "and save the token for the relay, list the restaurants, write aliases "
                      "and fresh keys",
        description="Asks at a terminal. With --yes, or without a terminal, it asks nothing: "
                    "TOAST_API_URL, TOAST_CLIENT_ID and TOAST_CLIENT_SECRET come from the "
                    "environment (TOAST_AUTH_MODE too, if set).")
    setup.add_argument("--yes", "-y", action="store_true",
                       help="ask nothing; take every answer from the environment and flags")
    setup.add_argument("--restaurant", action="append", default=[], metavar="GUID",
                       help="a restaurant the credentials can read (repeatable). Standard "
                            "API access needs one: setup lists its management group's "
                            "restaurants and serves them all. A partner client lists its "
                            "restaurants itself; with --restaurant it serves only those given")
    setup.add_argument("--env-file", type=Path, default=None, metavar="PATH",
                       help="the file to write (default .env), mode 0600")
    setup.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                       help="RELAY_DATA_DIR, where the token is saved for the relay "
                            "(default ./data; written to the .env as an absolute path; with "
                            "--account, RELAY_DATA_DIR if set)")
    setup.add_argument("--force", action="store_true",
                       help="replace an existing --env-file (without it setup stops)")
    setup.add_argument("--account", default=None, metavar="NAME",
                       help="add these credentials as the account NAME: append an "
                            "[accounts.NAME] table to the accounts file (the secret in a "
                            "0600 file beside it) instead of writing a .env; at a terminal "
                            "the TOAST_* variables are not taken for it")
    setup.add_argument("--accounts-file", type=Path, default=None, metavar="PATH",
                       help="with --account: the accounts file (default RELAY_ACCOUNTS_FILE; "
                            "created mode 0600 if missing)")
    setup.add_argument("--public-url", default=None, metavar="URL",
                       help="the relay's address as players and Toast's webhooks reach it, "
                            "for the printed URLs (default http://<this machine's LAN "
                            "address>:8080)")


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from app.api.app import RelayServer, create_app
    from app.logs import configure_logging

    configure_logging(settings.relay_log_format)
    log = logging.getLogger("toast_relay")
    accounts = load_accounts(settings)  # a bad accounts file stops here, in one line
    keep_alive = max(1, round(settings.relay_keepalive_timeout))
    # uvicorn has no timeout for a request's headers or body: a client that never finishes
    # them holds its connection until it gives up. The reverse proxy in front (see
    # deploy/nginx) cuts those; these two bound what reaches the relay itself.
    log.info("serving", extra={"host": host, "port": port, "keepAliveSeconds": keep_alive,
                               "limitConcurrency": settings.relay_limit_concurrency,
                               "eventsMaxConnections": settings.relay_events_max_connections})
    log_open_files_limit(raise_open_files_limit(), files_needed(
        settings.relay_events_max_connections, settings.relay_limit_concurrency), log)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the previous
    # handler; with the default one the process would die by signal instead of exiting 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    config = uvicorn.Config(
        create_app(settings, accounts=accounts),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.relay_trusted_proxies,
        # Requests under RELAY_ROOT_PATH and plain ones both route (a proxy may strip it or not).
        root_path=settings.relay_root_path,
        # Open /events streams end as shutdown starts (RelayServer); this bounds the rest.
        timeout_graceful_shutdown=8,
        timeout_keep_alive=keep_alive,
        # No limit_concurrency: uvicorn's counts every open connection, /events streams
        # too; the app's own limit (app.api.concurrency) counts requests in flight.
        server_header=False,
    )
    server = RelayServer(config)
    server.run()
    if not server.started:
        sys.exit(3)  # what uvicorn.run does when start-up fails (e.g. the port is taken)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sim":
            from app.sim.clients import load_clients
            from app.sim.server import run_sim, webhook_time_scale_from_env
            from app.sim.webhooks import webhook_config

            try:
                hooks = webhook_config(
                    args.webhook_url, args.webhook_secret, args.stock_webhook_secret,
                    args.webhook_time_scale if args.webhook_time_scale is not None
                    else webhook_time_scale_from_env())
                clients = load_clients(args.clients) if args.clients is not None else None
            except ValueError as exc:
                raise ConfigError(f"sim: {exc}") from None
            run_sim(host=args.host, port=args.port, token_lifetime=args.token_lifetime,
                    webhooks=hooks, local_images=args.local_images, clients=clients)
        elif args.command == "demo":
            from app.demo import run_demo

            run_demo(host=args.host, port=args.port, sim_port=args.sim_port)
        elif args.command == "check":
            return _check(args)
        elif args.command == "setup":
            return _setup(args)
        elif args.command == "screens":
            from app.screens_cli import run

            return run(args)
        else:
            serve(load_settings(), args.host, args.port)
    except ConfigError as exc:
        print(f"toast-relay: configuration error: {exc.detail}", file=sys.stderr)
        return EXIT_CONFIG
    except RelayError as exc:
        print(f"toast-relay: {exc.detail}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 0
    return 0


def _check(args: argparse.Namespace) -> int:
    from app.check import accounts_to_check, run_check, run_checks

    settings = load_settings()
    if settings.relay_accounts_file is None and args.account in (None, DEFAULT_ACCOUNT):
        return asyncio.run(run_check(settings, force_login=args.login))  # one account, as ever
    chosen = accounts_to_check(load_accounts(settings), args.account,
                               settings.relay_accounts_file)
    return asyncio.run(run_checks(chosen, force_login=args.login))


def _setup(args: argparse.Namespace) -> int:
    from app.prompts import Prompter
    from app.setup import SetupOptions, run_setup

    if args.account is None and args.accounts_file is not None:
        raise ConfigError("--accounts-file goes with --account NAME (the account to add)")
    if args.account is not None and (args.env_file is not None or args.force):
        raise ConfigError("--account appends to the accounts file and writes no .env; drop "
                          "--env-file and --force")
    ask = None if args.yes or not sys.stdin.isatty() else Prompter(sys.stdin, sys.stdout)
    opts = SetupOptions(restaurants=tuple(args.restaurant),
                        env_file=args.env_file or Path(".env"), data_dir=args.data_dir,
                        force=args.force, public_url=args.public_url, account=args.account,
                        accounts_file=args.accounts_file)
    return asyncio.run(run_setup(opts, os.environ, ask, sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
