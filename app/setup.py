"""``toast-relay setup``: from Toast credentials to a working ``.env``.

One login (or none, when a token saved by an earlier run is still valid), saved in
``RELAY_DATA_DIR/token.json`` exactly where the relay looks for it, so the relay's
first start does not log in again. Then the restaurants the credentials reach
(``app.discover``), aliases for them, fresh screen and admin keys, a private
``.env`` and the next steps. At a terminal it asks; with ``--yes`` or without a
terminal it asks nothing and takes the credentials from the environment. With
``--account NAME`` the same flow ends in a new table of the accounts file instead
(app/setup_account.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from app.clock import SystemClock
from app.config import Settings, is_guid, load_settings, normalize_base_url
from app.discover import Access, Reachable, group_restaurants, partner_restaurants
from app.errors import ConfigError, RelayError
from app.lan import lan_address
from app.prompts import Prompter
from app.setup_account import (
    AccountTarget,
    NewAccount,
    account_target,
    credentials_source,
    save_account,
    with_login_defaults,
)
from app.setup_env import (
    EnvValues,
    new_key,
    new_redis_password,
    propose_aliases,
    render_env,
    usable_alias,
)
from app.setup_env import write_private as write_env
from app.setup_guide import AccountDone, Done, account_summary, summary
from app.toast.client import RetryPolicy, ToastClient, make_http_client
from app.toast.limiter import UpstreamLimiter
from app.toast.token import TokenManager

PRODUCTION = "https://ws-api.toasttab.com"
CREDENTIALS = ("TOAST_API_URL", "TOAST_CLIENT_ID", "TOAST_CLIENT_SECRET")
PASSED_ON = ("TOAST_AUTH_MODE", "TOAST_USER_ACCESS_TYPE", "TOAST_TIMEOUT")
NEED_GUID = ("these credentials have standard API access (Toast refuses them the partners "
             "API), so setup cannot list their restaurants by itself: pass one restaurant's "
             "GUID with --restaurant GUID and setup lists its management group "
             "(docs/toast-account.md says where to find it)")


@dataclass(frozen=True)
class SetupOptions:
    restaurants: tuple[str, ...] = ()
    env_file: Path = Path(".env")
    data_dir: Path | None = None
    """RELAY_DATA_DIR (default ./data; with ``account``, RELAY_DATA_DIR of the environment)."""
    force: bool = False
    public_url: str | None = None
    port: int = 8080
    """Where the relay will listen (for the default public URL)."""
    lan: Callable[[], str | None] = field(default=lan_address, repr=False)
    account: str | None = None
    """Append this account to the accounts file instead of writing a .env."""
    accounts_file: Path | None = None
    """With ``account``: the accounts file (default RELAY_ACCOUNTS_FILE)."""


async def run_setup(opts: SetupOptions, environ: Mapping[str, str], ask: Prompter | None,
                    out: TextIO) -> int:
    """Exit code 0 once the .env is written (or the account appended); errors raise (the
    CLI prints one line)."""
    given = _guids(opts.restaurants)
    if opts.public_url is not None and _url_problem(opts.public_url):
        raise ConfigError(f"--public-url {opts.public_url[:80]!r} is not a URL; e.g. "
                          "https://relay.example.com")
    # Everything that can refuse is checked before the login, which Toast allows twice an hour.
    target = (account_target(opts.account, opts.accounts_file, opts.data_dir, environ)
              if opts.account is not None else None)
    if target is None and opts.env_file.exists() and not opts.force:
        raise RelayError(f"{opts.env_file} already exists; setup does not overwrite it "
                         "without --force (or choose another with --env-file)")
    say = ask.say if ask is not None else (lambda text="": print(text, file=out, flush=True))
    if target is not None:
        say(f"Adding the account {target.name!r} to {target.accounts_file}.")
        environ = credentials_source(environ, asking=ask is not None)
    values = _credentials(environ, ask)
    if target is not None:
        values = with_login_defaults(values)
    data_dir = target.data_dir if target else (opts.data_dir or Path("data")).resolve()
    screen_key = new_key()
    settings = load_settings({**values, "RELAY_API_KEYS": screen_key,
                              "RELAY_DATA_DIR": str(data_dir)})
    # setup prints its own lines; the token manager's log records would repeat them.
    logging.getLogger().addHandler(logging.NullHandler())
    chosen, access = await _reach(settings, given, ask, say)
    aliases = _aliases(chosen, ask, target.taken if target else frozenset())
    public = opts.public_url or f"http://{opts.lan() or '127.0.0.1'}:{opts.port}"
    if ask is not None and opts.public_url is None:
        public = ask.ask("The relay's address as players (and Toast's webhooks) will reach it",
                         public, _url_problem)
    labels = {a: next(r.label for r in chosen if r.guid == g) for a, g in aliases.items()}
    if target is not None:
        _append(target, settings, aliases, screen_key, access, normalize_base_url(public),
                labels, say)
        return 0
    env = EnvValues(
        api_url=settings.toast_api_url, client_id=settings.toast_client_id,
        client_secret=settings.toast_client_secret.get_secret_value(),
        auth_mode=settings.toast_auth_mode, restaurants=aliases, screen_key=screen_key,
        admin_key=new_key(), data_dir=data_dir,
        redis_password=new_redis_password())
    try:
        write_env(opts.env_file, render_env(env), force=opts.force)
    except FileExistsError:
        raise RelayError(f"{opts.env_file} appeared while setup ran; nothing was written "
                         "(--force replaces it)") from None
    except OSError as exc:
        raise RelayError(f"cannot write {opts.env_file} ({exc.strerror}); choose another "
                         "place with --env-file") from None
    say(summary(Done(
        public_url=normalize_base_url(public), aliases=labels, screen_key=screen_key,
        env_file=opts.env_file, token_file=data_dir / "token.json", access=access,
        client_id=settings.toast_client_id,
        in_cwd=opts.env_file.resolve() == (Path.cwd() / ".env").resolve())))
    return 0


def _append(target: AccountTarget, settings: Settings, aliases: dict[str, str],
            screen_key: str, access: Access, public: str, labels: dict[str, str],
            say: Callable[[str], None]) -> None:
    new = NewAccount(
        api_url=settings.toast_api_url, client_id=settings.toast_client_id,
        client_secret=settings.toast_client_secret.get_secret_value(),
        auth_mode=settings.toast_auth_mode, restaurants=aliases, screen_key=screen_key,
        admin_key=new_key(), user_access_type=settings.toast_user_access_type)
    secret_file = save_account(target, new)
    say(account_summary(AccountDone(
        name=target.name, accounts_file=target.accounts_file, secret_file=secret_file,
        public_url=public, aliases=labels, screen_key=screen_key,
        token_file=target.data_dir / "token.json", access=access,
        client_id=settings.toast_client_id)))


def _guids(given: tuple[str, ...]) -> tuple[str, ...]:
    for guid in given:
        if not is_guid(guid):
            raise ConfigError(f"--restaurant {guid[:80]!r} is not a restaurant GUID "
                              "(8-4-4-4-12 hex digits)")
    return tuple(dict.fromkeys(g.lower() for g in given))


def _credentials(environ: Mapping[str, str], ask: Prompter | None) -> dict[str, str]:
    values = {k: environ[k] for k in PASSED_ON if environ.get(k)}
    if ask is None:
        for name in CREDENTIALS:
            if not environ.get(name, "").strip():
                raise ConfigError(f"{name} is not set; setup --yes (or without a terminal) "
                                  "takes TOAST_API_URL, TOAST_CLIENT_ID and "
                                  "TOAST_CLIENT_SECRET from the environment")
            values[name] = environ[name]
        return values
    ask.say("Toast credentials: Toast Web > Integrations > Toast API access > Manage "
            "credentials (see docs/toast-account.md).")
    values["TOAST_API_URL"] = ask.ask("Toast API host (the credentials' API access URL)",
                                      environ.get("TOAST_API_URL") or PRODUCTION, _url_problem)
    values["TOAST_CLIENT_ID"] = ask.ask("Client ID", environ.get("TOAST_CLIENT_ID") or None)
    if environ.get("TOAST_CLIENT_SECRET"):
        ask.say("Client secret: taken from TOAST_CLIENT_SECRET in the environment.")
        values["TOAST_CLIENT_SECRET"] = environ["TOAST_CLIENT_SECRET"]
    else:
        values["TOAST_CLIENT_SECRET"] = ask.secret("Client secret")
    return values


def _url_problem(answer: str) -> str | None:
    try:
        normalize_base_url(answer)
    except ValueError:
        return "not a URL; e.g. https://ws-api.toasttab.com"
    return None


async def _reach(settings: Settings, given: tuple[str, ...], ask: Prompter | None,
                 say: Callable[[str], None]) -> tuple[list[Reachable], Access]:
    """Log in once (the token is saved for the relay), then find the restaurants."""
    clock = SystemClock()
    http = make_http_client(settings.toast_timeout)
    limiter = UpstreamLimiter(clock)
    tokens = TokenManager.from_settings(settings, http, clock, limiter)
    toast = ToastClient(http=http, base_url=settings.toast_api_url, tokens=tokens,
                        limiter=limiter, clock=clock,
                        retry=RetryPolicy(attempts=2, base=0.5, cap=2.0, max_retry_after=5.0))
    try:
        await tokens.get_token()
        state = tokens.status()
        how = "logged in" if state["lastLogin"] else "reusing the token saved by an earlier run"
        say(f"ok   {how} ({settings.toast_api_url}); token valid until {state['expiresAt']}, "
            f"saved for the relay in {settings.relay_data_dir}")
        partner = await partner_restaurants(toast)
        if partner is not None:
            found_partner = _narrowed(list(partner), given)
            return _picked(found_partner, None if given else ask, say), "partner"
        if not given:
            if ask is None:
                raise ConfigError(NEED_GUID)
            say("These credentials have standard API access: setup lists a management "
                "group's restaurants from one of them.")
            given = (ask.ask("GUID of one restaurant these credentials cover",
                             check=lambda a: None if is_guid(a) else
                             "a GUID looks like 8-4-4-4-12 hex digits").lower(),)
        found = await group_restaurants(toast, given)
        if found.unreadable:
            raise RelayError(f"these credentials cannot read restaurant {found.unreadable[0]} "
                             "(Toast answered 403 or 404); check the GUID and that the "
                             "credentials cover that location in Toast Web")
        return _picked(list(found.restaurants), ask, say), "standard"
    finally:
        await tokens.close()
        await http.aclose()


def _narrowed(found: list[Reachable], given: tuple[str, ...]) -> list[Reachable]:
    if not found:
        raise RelayError("Toast's partners API lists no restaurant for this partner client; "
                         "a restaurant must first add the integration in Toast Web")
    if not given:
        return found
    by_guid = {r.guid: r for r in found}
    for guid in given:
        if guid not in by_guid:
            raise RelayError(f"--restaurant {guid} has not granted this partner client "
                             f"access (the partners API lists {len(found)} restaurants)")
    return [by_guid[g] for g in given]


def _picked(found: list[Reachable], ask: Prompter | None,
            say: Callable[[str], None]) -> list[Reachable]:
    say(f"These credentials reach {len(found)} restaurant(s):")
    for n, r in enumerate(found, 1):
        say(f"  {n}. {r.label}  {r.guid}")
    if ask is None or len(found) < 2:
        return found

    def numbers(answer: str) -> list[int] | None:
        if answer.strip().lower() in ("", "all"):
            return list(range(1, len(found) + 1))
        try:
            picked = [int(p) for p in answer.replace(",", " ").split()]
        except ValueError:
            return None
        return picked if picked and all(1 <= p <= len(found) for p in picked) else None

    answer = ask.ask("Which to serve (numbers, e.g. 1,3)", "all",
                     lambda a: None if numbers(a) else f"numbers from 1 to {len(found)}")
    return [found[p - 1] for p in dict.fromkeys(numbers(answer) or [])]


def _aliases(chosen: list[Reachable], ask: Prompter | None,
             taken: frozenset[str]) -> dict[str, str]:
    proposed = propose_aliases(chosen, taken)
    if ask is None:
        return proposed
    out: dict[str, str] = {}
    for alias, guid in proposed.items():
        label = next(r.label for r in chosen if r.guid == guid)

        def problem(answer: str) -> str | None:
            if not usable_alias(answer):
                return "letters, digits, '.', '_', '~' or '-'; not GUID-like"
            if answer in taken:
                return "another account of the accounts file uses it"
            return "already taken" if answer in out else None

        out[ask.ask(f"Alias for {label} (screens use /board/<alias>)", alias, problem)] = guid
    return out
