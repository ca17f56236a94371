"""What ``toast-relay setup`` prints when it is done: how to start the relay (or, for an
account added to the accounts file, how to have it read the file again), each
restaurant's player URLs, and the steps in Toast Web to send webhooks to the relay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.discover import Access


@dataclass(frozen=True)
class Done:
    public_url: str
    aliases: Mapping[str, str]
    """Alias → restaurant label (name and location)."""
    screen_key: str
    env_file: Path
    token_file: Path
    access: Access
    client_id: str
    in_cwd: bool
    """The .env is ``./.env``, which ``serve`` and ``check`` read from this folder."""

    def __repr__(self) -> str:  # never the key
        return f"Done(public_url={self.public_url!r}, env_file={self.env_file!r})"


@dataclass(frozen=True)
class AccountDone:
    name: str
    accounts_file: Path
    secret_file: Path
    public_url: str
    aliases: Mapping[str, str]
    """Alias → restaurant label (name and location)."""
    screen_key: str
    token_file: Path
    access: Access
    client_id: str

    def __repr__(self) -> str:  # never the key
        return f"AccountDone(name={self.name!r}, accounts_file={self.accounts_file!r})"


@dataclass(frozen=True)
class SecretsPlace:
    """Where the operator puts the webhook subscriptions' secrets, and what then."""

    where: str
    line: str


ENV_SECRETS = SecretsPlace("in the .env", "RELAY_WEBHOOK_SECRET=<menus secret>,<stock secret> "
                                          "and restart the relay")


def summary(d: Done) -> str:
    base = d.public_url.rstrip("/")
    lines = [
        "",
        f"Wrote {d.env_file} (mode 0600) for {len(d.aliases)} restaurant(s); the Toast "
        f"token is saved in {d.token_file}.",
        "",
    ]
    if d.in_cwd:
        lines += ["Start the relay from this folder (it reads .env and reuses the saved "
                  "token: no login at start):"]
    else:
        lines += [f"Start the relay with {d.env_file} loaded into its environment (systemd "
                  "EnvironmentFile=, docker compose env_file:, or "
                  f"`set -a; . {d.env_file}; set +a`):"]
    lines += [
        "  toast-relay serve --host 0.0.0.0 --port 8080",
        "  toast-relay check      # reuses the saved token (0 logins); --login forces one",
        "",
        "Player URLs (the screen key is RELAY_API_KEYS in the .env):",
        *player_lines(base, d.aliases, d.screen_key),
        f"Admin console: {base}/admin/ (sign in with RELAY_ADMIN_KEY from the .env)",
        "",
        *webhook_steps(f"{base}/webhooks/toast", d.access, d.client_id),
        "",
    ]
    return "\n".join(lines)


def account_summary(d: AccountDone) -> str:
    base = d.public_url.rstrip("/")
    table = f"[accounts.{d.name}]"
    return "\n".join([
        "",
        f"Added {table} to {d.accounts_file} (mode 0600) for {len(d.aliases)} restaurant(s). "
        f"The client secret is not in that file: it is in {d.secret_file} (mode 0600), which "
        "the table names as client_secret_file. The Toast token is saved in "
        f"{d.token_file}: a relay with RELAY_DATA_DIR={d.token_file.parents[2]} reuses it "
        "(no login).",
        "",
        "Check the account with the relay's settings, then have the running relay read the "
        "file again (no restart):",
        f"  toast-relay check --account {d.name}",
        "  kill -HUP <relay pid>    # or: curl -X POST -H \"X-API-Key: $RELAY_ADMIN_KEY\" "
        f"{base}/admin/reload",
        f"A relay started without RELAY_ACCOUNTS_FILE={d.accounts_file} needs it set and a "
        "restart.",
        "",
        f"Player URLs (the screen key is screen_keys in {table}; it reads this account's "
        "restaurants only):",
        *player_lines(base, d.aliases, d.screen_key),
        f"Admin console: {base}/admin/ (sign in with admin_key from {table}: it manages "
        "this account only)",
        "",
        *webhook_steps(f"{base}/webhooks/toast/{d.name}", d.access, d.client_id,
                       SecretsPlace(f"in {d.accounts_file} under {table}",
                                    'webhook_secrets = ["<menus secret>", "<stock secret>"] '
                                    "and reload the relay")),
        "",
    ])


def player_lines(base: str, aliases: Mapping[str, str], screen_key: str) -> list[str]:
    key = f"key={screen_key}"
    lines = []
    for alias, label in aliases.items():
        lines += [
            f"  {alias}: {label}",
            f"    board: {base}/board/{alias}?{key}",
            f"    JSON:  {base}/menu/{alias}?{key}",
            f"    CSV:   {base}/menu/{alias}?format=csv&{key}",
        ]
    return lines


def webhook_steps(url: str, access: Access, client_id: str,
                  secrets: SecretsPlace = ENV_SECRETS) -> list[str]:
    """How to make Toast push menu and stock changes to ``url`` (one secret per
    subscription, one event category per subscription: docs/toast-api.md, webhooks)."""
    lines = [
        "Webhooks (a published menu change reaches screens within a second):",
        f"  Webhook URL: {url}",
    ]
    if not url.startswith("https://"):
        lines += ["  Toast delivers only over https to an address reachable from the internet:",
                  "  use your reverse proxy's public https address instead (setup --public-url; "
                  "see deploy/nginx)."]
    if access == "partner":
        return [*lines,
                "  Partner clients: Toast's integrations team keeps your subscriptions. "
                "Ask them to send the",
                "  menus category (menus_updated) and the stock category (in_stock, "
                "low_quantity, out_of_stock)",
                f"  to this URL, then put each subscription's secret {secrets.where} as",
                f"  {secrets.line}."]
    return [*lines,
            "  1. In Toast Web open Integrations > Toast API access > Manage credentials and "
            f"pick the credentials {client_id}",
            "     (you need the Manage Integrations permission), then Manage webhooks > "
            "Add webhook.",
            "  2. Category Menus (event menus_updated), the URL above; save.",
            "  3. Add webhook again: category Stock (in_stock, low_quantity, out_of_stock), "
            "the same URL; save.",
            "  4. Each subscription has its own secret: open each one and copy it, then set "
            f"{secrets.where}",
            f"     {secrets.line}.",
            "  5. Publish a menu change in Toast Web: GET /admin/status lists it under "
            "\"webhooks\"."]
