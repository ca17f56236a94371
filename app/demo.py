"""``toast-relay demo``: the relay and the Toast simulator together.

Both listen on 127.0.0.1 by default. With ``--host 0.0.0.0`` the relay listens on
every interface so a TV or player on the LAN can show it (the simulator stays on
127.0.0.1: only the relay talks to it), the printed URLs use the LAN address, and
the admin key is a fresh random one instead of the well-known demo key.

The demo runs two accounts (docs/accounts.md), as an agency's relay would: the sample
client as the account ``default`` (the TOAST_* settings), and the simulator's second
client as the account ``agency``, from an accounts file the demo writes into its
temporary folder. Each has its own screen key, which reads only its own restaurants.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
from pathlib import Path

import uvicorn

from app.api.app import RelayServer, create_app
from app.config import DEFAULT_ACCOUNT, append_account, load_accounts, load_settings
from app.lan import WILDCARDS, url_host
from app.logs import configure_logging
from app.sim.app import create_sim_app
from app.sim.sample import (
    AGENCY_BAKERY_GUID,
    AGENCY_CLIENT_ID,
    AGENCY_CLIENT_SECRET,
    AGENCY_TAQUERIA_GUID,
    SAMPLE_CLIENT_ID,
    SAMPLE_CLIENT_SECRET,
    SAMPLE_RESTAURANT_GUID,
    SECOND_RESTAURANT_GUID,
)
from app.sim.state import SimState
from app.sim.webhooks import WebhookConfig

# Well-known on purpose: the demo serves only the simulator's sample data. The admin key
# is well-known only while the demo listens on 127.0.0.1 alone.
DEMO_KEY = "demo-screen-key-local-only"
DEMO_ADMIN_KEY = "demo-admin-key-local-only"
DEMO_AGENCY_ACCOUNT = "agency"
DEMO_AGENCY_KEY = "demo-agency-screen-key-local-only"
DEMO_AGENCY_RESTAURANTS = {"taqueria": AGENCY_TAQUERIA_GUID, "bakery": AGENCY_BAKERY_GUID}
# The simulator signs its webhooks with these, as Toast does with each subscription's secret.
DEMO_MENUS_WEBHOOK_SECRET = "demo-menus-webhook-secret-local-only"  # noqa: S105 - demo only
DEMO_STOCK_WEBHOOK_SECRET = "demo-stock-webhook-secret-local-only"  # noqa: S105 - demo only
DEMO_AGENCY_WEBHOOK_SECRETS = ("demo-agency-menus-webhook-secret",
                               "demo-agency-stock-webhook-secret")
"""The agency's own subscriptions, sent to ``/webhooks/toast/agency``."""


def banner(port: int, sim_port: int, host: str = "127.0.0.1") -> str:
    """The URLs to try; ``host`` is the one to print (the LAN address on a wildcard bind)."""
    base = f"http://{host}:{port}"
    k = f"key={DEMO_KEY}"
    return "\n".join([
        "",
        "toast-relay demo is running (simulated Toast at "
        f"http://127.0.0.1:{sim_port}; Ctrl-C stops both)",
        f"  screen key:  {DEMO_KEY}",
        f"  start page:  {base}/",
        f"  board:       {base}/board/harbor?{k}",
        f"  portrait:    {base}/board/harbor?preview=portrait&{k}  (the board itself "
        "adapts to a 9:16 screen; this frames it so on a desktop)",
        f"  board, lunch only, light, images: {base}/board/harbor?menu=Lunch&theme=light"
        f"&images=true&hide_out_of_stock=true&{k}",
        f"  JSON menu:   {base}/menu/harbor?{k}",
        f"  by GUID:     {base}/menu/{SAMPLE_RESTAURANT_GUID}?{k}",
        f"  CSV:         {base}/menu/harbor?format=csv&{k}",
        f"  filtered:    {base}/menu/harbor?group=Burgers&hide_out_of_stock=true&{k}",
        f"  groups:      {base}/menu/harbor/groups?{k}",
        f"  stock:       {base}/stock/harbor?{k}",
        f"  restaurants: {base}/restaurants?{k}",
        f"  live events: {base}/events/harbor?{k}",
        f"  second (CAD): {base}/menu/maple?{k}",
        *agency_banner(base),
        f"  try a price change (the simulator sends a signed webhook; the menu changes within"
        f" a second): curl -X POST http://127.0.0.1:{sim_port}/_sim/publish/"
        f"{SAMPLE_RESTAURANT_GUID} -d '{{\"itemName\": \"Black Bean Burger\", \"price\": 14.50}}'",
        "",
    ])


def agency_banner(base: str) -> list[str]:
    """The second account's lines: its key, its boards, and the default key refused."""
    k = f"key={DEMO_AGENCY_KEY}"
    return [
        f"  account {DEMO_AGENCY_ACCOUNT!r} (a second Toast client; its key reads only its "
        "own restaurants):",
        f"    screen key: {DEMO_AGENCY_KEY}",
        *(f"    board:      {base}/board/{alias}?{k}" for alias in DEMO_AGENCY_RESTAURANTS),
        f"    JSON:       {base}/menu/taqueria?{k}",
        f"    refused:    {base}/menu/taqueria?key={DEMO_KEY}  (403: the default "
        "account's key)",
    ]


def write_demo_accounts(folder: Path, sim_port: int) -> Path:
    """The demo's accounts file (mode 0600): the simulator's agency client as ``agency``.
    Its secret is written inline: it is the simulator's public demo credential."""
    path = folder / "accounts.toml"
    append_account(path, DEMO_AGENCY_ACCOUNT, {
        "api_url": f"http://127.0.0.1:{sim_port}",
        "client_id": AGENCY_CLIENT_ID,
        "client_secret": AGENCY_CLIENT_SECRET,
        "restaurants": DEMO_AGENCY_RESTAURANTS,
        "screen_keys": [DEMO_AGENCY_KEY],
        "webhook_secrets": list(DEMO_AGENCY_WEBHOOK_SECRETS),
    })
    return path


DEMO_SCREENS: dict[str, dict[str, object]] = {
    "drinks": {"restaurant": "harbor", "title": "Drinks", "menus": ["Drinks"],
               "available": "all", "layout": {"theme": "light", "template": "list"},
               "footer": "Please drink responsibly"},
    "food": {"restaurant": "harbor", "title": "Lunch", "menus": ["Lunch"], "parts": 2,
             "available": "all", "soldOut": "hide", "calorieStatement": "us"},
}
"""The demo's stored screens: a drinks display, and lunch split over two displays."""


async def create_demo_screens(base: str, admin_key: str) -> None:
    """PUT the demo screens through the relay's own admin API."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for name, definition in DEMO_SCREENS.items():
            r = await client.put(f"/admin/screens/{name}", json=definition,
                                 headers={"X-API-Key": admin_key})
            r.raise_for_status()


def screens_banner(port: int, host: str = "127.0.0.1") -> str:
    """The stored screens' URLs (PRODUCT.md "Screens")."""
    base = f"http://{host}:{port}"
    k = f"key={DEMO_KEY}"
    return "\n".join([
        "stored screens (GET /admin/screens with the admin key lists them):",
        f"  drinks:        {base}/s/drinks?{k}",
        f"  food, left:    {base}/s/food?part=1&{k}",
        f"  food, right:   {base}/s/food?part=2&{k}",
        f"  food as JSON:  {base}/s/food/menu?{k}",
        "",
    ]) + "\n"


def lan_note(bind: str, shown: str) -> str:
    """What a wildcard bind means, printed under the banner."""
    if bind not in WILDCARDS:
        return ""
    if shown == "127.0.0.1":
        return ("Listening on every interface, but this machine has no LAN address (no "
                "default route): the URLs use 127.0.0.1.\n")
    return (f"Listening on every interface: a TV or player on this network can open the "
            f"URLs above ({shown} is this machine's LAN address; the sample data only).\n")


async def _serve(host: str, port: int, sim_port: int, folder: Path) -> None:
    admin_key = DEMO_ADMIN_KEY if host not in WILDCARDS else secrets.token_urlsafe(24)
    settings = load_settings({
        "RELAY_ACCOUNTS_FILE": str(write_demo_accounts(folder, sim_port)),
        "TOAST_API_URL": f"http://127.0.0.1:{sim_port}",
        "TOAST_CLIENT_ID": SAMPLE_CLIENT_ID,
        "TOAST_CLIENT_SECRET": SAMPLE_CLIENT_SECRET,
        "RELAY_API_KEYS": DEMO_KEY,
        "RELAY_ADMIN_KEY": admin_key,
        "RELAY_RESTAURANTS": json.dumps(
            {"harbor": SAMPLE_RESTAURANT_GUID, "maple": SECOND_RESTAURANT_GUID}),
        "RELAY_REFRESH_INTERVAL": "10",
        "RELAY_STOCK_INTERVAL": "10",
        "RELAY_LOG_FORMAT": "text",
        "RELAY_WEBHOOK_SECRET": f"{DEMO_MENUS_WEBHOOK_SECRET},{DEMO_STOCK_WEBHOOK_SECRET}",
        "RELAY_IMAGE_ALLOW_PRIVATE": "true",  # the simulator serves the images on 127.0.0.1
    })
    configure_logging("text")
    relay_here = "127.0.0.1" if host in WILDCARDS else url_host(host)
    hooks = WebhookConfig(f"http://{relay_here}:{port}/webhooks/toast",
                          DEMO_MENUS_WEBHOOK_SECRET, DEMO_STOCK_WEBHOOK_SECRET)
    sim_state = SimState(webhooks=hooks, image_base=f"http://127.0.0.1:{sim_port}")
    sim_state.webhooks.subscriptions[AGENCY_CLIENT_ID] = WebhookConfig(
        f"http://{relay_here}:{port}/webhooks/toast/{DEMO_AGENCY_ACCOUNT}",
        *DEMO_AGENCY_WEBHOOK_SECRETS)
    sim_app = create_sim_app(sim_state)
    sim = uvicorn.Server(uvicorn.Config(sim_app, host="127.0.0.1", port=sim_port,
                                        log_config=None, access_log=False))
    demo_keys = {DEFAULT_ACCOUNT: DEMO_KEY, DEMO_AGENCY_ACCOUNT: DEMO_AGENCY_KEY}
    app = create_app(settings, demo_keys=demo_keys, accounts=load_accounts(settings))
    relay = RelayServer(uvicorn.Config(app, host=host, port=port, log_config=None,
                                       access_log=False))
    sim_task = asyncio.create_task(sim.serve())
    while not sim.started:
        if sim_task.done():
            return
        await asyncio.sleep(0.05)
    relay_task = asyncio.create_task(relay.serve())
    while not relay.started:
        if relay_task.done():
            sim.should_exit = True
            await sim_task
            return
        await asyncio.sleep(0.05)
    shown = url_host(host)
    await create_demo_screens(f"http://127.0.0.1:{port}", admin_key)
    print(banner(port, sim_port, shown) + screens_banner(port, shown)
          + lan_note(host, shown), flush=True)
    await relay_task
    sim.should_exit = True
    await sim_task


def run_demo(host: str = "127.0.0.1", port: int = 8080, sim_port: int = 8081) -> None:
    try:
        # Private (0700) and gone when the demo stops, with the accounts file in it.
        with tempfile.TemporaryDirectory(prefix="toast-relay-demo-") as folder:
            asyncio.run(_serve(host, port, sim_port, Path(folder)))
    except KeyboardInterrupt:
        print("demo stopped", file=sys.stderr)
