"""What ``toast-relay setup`` prints when it is done: how to start the relay, each
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


def summary(d: Done) -> str:
    base = d.public_url.rstrip("/")
    key = f"key={d.screen_key}"
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
    ]
    for alias, label in d.aliases.items():
        lines += [
            f"  {alias}: {label}",
            f"    board: {base}/board/{alias}?{key}",
            f"    JSON:  {base}/menu/{alias}?{key}",
            f"    CSV:   {base}/menu/{alias}?format=csv&{key}",
        ]
    lines += [
        f"Admin console: {base}/admin/ (sign in with RELAY_ADMIN_KEY from the .env)",
        "",
        *webhook_steps(f"{base}/webhooks/toast", d.access, d.client_id),
        "",
    ]
    return "\n".join(lines)


def webhook_steps(url: str, access: Access, client_id: str) -> list[str]:
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
                "  to this URL, then put each subscription's secret in the .env as",
                "  RELAY_WEBHOOK_SECRET=<menus secret>,<stock secret> and restart the relay."]
    return [*lines,
            "  1. In Toast Web open Integrations > Toast API access > Manage credentials and "
            f"pick the credentials {client_id}",
            "     (you need the Manage Integrations permission), then Manage webhooks > "
            "Add webhook.",
            "  2. Category Menus (event menus_updated), the URL above; save.",
            "  3. Add webhook again: category Stock (in_stock, low_quantity, out_of_stock), "
            "the same URL; save.",
            "  4. Each subscription has its own secret: open each one and copy it, then set "
            "in the .env",
            "     RELAY_WEBHOOK_SECRET=<menus secret>,<stock secret> and restart the relay.",
            "  5. Publish a menu change in Toast Web: GET /admin/status lists it under "
            "\"webhooks\"."]
