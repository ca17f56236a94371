"""Shared constants and helpers for simulator tests."""

from __future__ import annotations

from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_RESTAURANT_GUID

LOGIN = "/authentication/v1/authentication/login"
CREDENTIALS = {"clientId": SAMPLE_CLIENT_ID, "clientSecret": SAMPLE_CLIENT_SECRET,
               "userAccessType": "TOAST_MACHINE_CLIENT"}


def headers(token: str, guid: str = SAMPLE_RESTAURANT_GUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Toast-Restaurant-External-ID": guid}
