"""Login endpoints: response shapes, Toast's same-token rule, bad credentials, revocation."""

from __future__ import annotations

import base64
import json

import httpx

from app.clock import FakeClock
from app.sim.sample import SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET
from app.sim.state import SimState
from app.sim.tokens import Refusals
from tests.support.sim_auth import CREDENTIALS, LOGIN, headers

LEGACY = "/usermgmt/v1/oauth/token"
LEGACY_FORM = {"grant_type": "client_credentials", "client_id": SAMPLE_CLIENT_ID,
               "client_secret": SAMPLE_CLIENT_SECRET}


def _claims(jwt: str) -> dict[str, object]:
    payload = jwt.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return claims


async def test_login_returns_toast_authentication_response(client: httpx.AsyncClient) -> None:
    """A good login answers Toast's AuthenticationResponse with a Bearer JWT."""
    body = (await client.post(LOGIN, json=CREDENTIALS)).json()
    assert body["status"] == "SUCCESS"
    assert body["@class"] == ".SuccessfulResponse"
    token = body["token"]
    assert token["tokenType"] == "Bearer"
    assert token["scope"] is None and token["idToken"] is None and token["refreshToken"] is None
    assert token["expiresIn"] == 86400
    assert len(token["accessToken"].split(".")) == 3


async def test_jwt_exp_claim_matches_expires_in(client: httpx.AsyncClient,
                                                clock: FakeClock) -> None:
    """The JWT payload carries sub, iat and exp = now + lifetime."""
    token = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    claims = _claims(token["accessToken"])
    assert claims["sub"] == SAMPLE_CLIENT_ID
    assert claims["iat"] == int(clock.now())
    assert claims["exp"] == int(clock.now()) + 86400


async def test_login_before_last_minute_returns_same_token(client: httpx.AsyncClient,
                                                           clock: FakeClock) -> None:
    """Until its last minute the same token comes back, expiresIn = seconds remaining."""
    first = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    await clock.advance(86400 - 61)
    again = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    assert again["accessToken"] == first["accessToken"]
    assert again["expiresIn"] == 61


async def test_login_in_last_minute_issues_new_token(client: httpx.AsyncClient,
                                                     clock: FakeClock, state: SimState) -> None:
    """A login inside the final 60 seconds gets a fresh token with a full lifetime."""
    first = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    await clock.advance(86400 - 59)
    fresh = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    assert fresh["accessToken"] != first["accessToken"]
    assert fresh["expiresIn"] == 86400
    assert state.counters.tokens_issued == 2


async def test_login_after_expiry_issues_new_token(client: httpx.AsyncClient,
                                                   clock: FakeClock) -> None:
    """After expiry a login issues a different token."""
    first = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    await clock.advance(90000)
    fresh = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    assert fresh["accessToken"] != first["accessToken"]


async def test_wrong_secret_is_401_error_message_without_secret(
        client: httpx.AsyncClient) -> None:
    """Bad credentials give 401 with a string-status ErrorMessage that never echoes the secret."""
    response = await client.post(LOGIN, json={**CREDENTIALS, "clientSecret": "wrong-guess-123"})
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "401"
    assert "wrong-guess-123" not in response.text
    assert SAMPLE_CLIENT_SECRET not in response.text


async def test_unknown_client_is_401(client: httpx.AsyncClient) -> None:
    """An unknown client id is rejected like a wrong secret."""
    response = await client.post(LOGIN, json={**CREDENTIALS, "clientId": "nobody"})
    assert response.status_code == 401


async def test_malformed_login_body_is_400(client: httpx.AsyncClient) -> None:
    """A non-JSON body or missing fields give 400, not a token."""
    assert (await client.post(LOGIN, content=b"clientId=x")).status_code == 400
    assert (await client.post(LOGIN, json={"clientId": SAMPLE_CLIENT_ID})).status_code == 400


async def test_legacy_oauth_token_shape(client: httpx.AsyncClient) -> None:
    """The deprecated form-encoded login answers snake_case fields with a lower-case bearer."""
    body = (await client.post(LEGACY, data=LEGACY_FORM)).json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert set(body) >= {"access_token", "scope", "jti", "namingAuthority", "rsGuid"}
    assert " " in body["scope"]


async def test_legacy_and_machine_login_share_the_token(client: httpx.AsyncClient) -> None:
    """Both login flows follow the same-token rule for one client id."""
    legacy = (await client.post(LEGACY, data=LEGACY_FORM)).json()["access_token"]
    machine = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
    assert legacy == machine


async def test_legacy_rejects_bad_grant_and_secret(client: httpx.AsyncClient) -> None:
    """The legacy flow wants grant_type=client_credentials and the right secret."""
    bad_grant = await client.post(LEGACY, data={**LEGACY_FORM, "grant_type": "password"})
    bad_secret = await client.post(LEGACY, data={**LEGACY_FORM, "client_secret": "nope"})
    assert bad_grant.status_code == 400
    assert bad_secret.status_code == 401


async def test_token_lifetime_control_applies_to_new_tokens(client: httpx.AsyncClient,
                                                            clock: FakeClock) -> None:
    """/_sim/token-lifetime changes the lifetime of the next token issued."""
    await client.post("/_sim/token-lifetime", json={"seconds": 120})
    token = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]
    assert token["expiresIn"] == 120
    assert _claims(token["accessToken"])["exp"] == int(clock.now()) + 120


def test_token_repr_hides_the_token(state: SimState) -> None:
    """Neither a Token nor a Credential repr shows the token or the secret."""
    token, _ = state.tokens.login(SAMPLE_CLIENT_ID)
    assert token.access_token not in repr(token)
    assert SAMPLE_CLIENT_SECRET not in repr(state.credentials[SAMPLE_CLIENT_ID])


async def test_renew_window_control_sets_when_a_login_gets_a_new_token(
        client: httpx.AsyncClient, clock: FakeClock) -> None:
    """With a 40 s token and a 20 s renew window, a login at 19 s gets the same token and
    one at 21 s a new one."""
    r = await client.post("/_sim/token-lifetime", json={"seconds": 40, "renewWindow": 20})
    assert r.json() == {"seconds": 40.0, "renewWindow": 20.0}
    first = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
    await clock.advance(19)
    assert (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"] == first
    await clock.advance(2)
    assert (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"] != first


async def test_token_lifetime_control_refuses_a_bad_renew_window(
        client: httpx.AsyncClient) -> None:
    """A renew window that is not a number of seconds > 0 is a 400 naming it."""
    for bad in (0, -1, "20", True):
        r = await client.post("/_sim/token-lifetime", json={"seconds": 40, "renewWindow": bad})
        assert r.status_code == 400 and "renewWindow" in r.json()["detail"]


async def test_revoke_refuses_every_token_and_the_next_login_gets_a_new_one(
        client: httpx.AsyncClient, token: str) -> None:
    """After /_sim/revoke the old token is a 401 (counted as refused) and a login gets a new
    token that works."""
    assert (await client.post("/_sim/revoke")).json() == {"revoked": 1}
    refused = await client.get("/menus/v2/metadata", headers=headers(token))
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]
    fresh = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
    assert fresh != token
    assert (await client.get("/menus/v2/metadata", headers=headers(fresh))).status_code == 200
    calls = (await client.get("/_sim/calls")).json()
    assert calls["revocations"] == 1 and calls["refused_token_calls"] == 1
    assert calls["refused_tokens"] == 1 and calls["refused_token_repeats"] == 0


async def test_a_refused_token_sent_again_later_is_a_repeat(
        client: httpx.AsyncClient, token: str, clock: FakeClock) -> None:
    """A revoked token sent twice at once counts no repeat; sent again 2 s later, one."""
    await client.post("/_sim/revoke")
    for _ in range(2):
        await client.get("/menus/v2/metadata", headers=headers(token))
    await clock.advance(2)
    await client.get("/menus/v2/metadata", headers=headers(token))
    calls = (await client.get("/_sim/calls")).json()
    assert calls["refused_token_calls"] == 3 and calls["refused_token_repeats"] == 1


async def test_an_expired_token_is_counted_as_refused(
        client: httpx.AsyncClient, clock: FakeClock) -> None:
    """Calls with an expired token count as refused-token calls, repeats included."""
    await client.post("/_sim/token-lifetime", json={"seconds": 10})
    token = (await client.post(LOGIN, json=CREDENTIALS)).json()["token"]["accessToken"]
    await clock.advance(10)
    await client.get("/menus/v2/metadata", headers=headers(token))
    await clock.advance(5)
    await client.get("/menus/v2/metadata", headers=headers(token))
    calls = (await client.get("/_sim/calls")).json()
    assert calls["expired_token_calls"] == 2
    assert calls["refused_token_calls"] == 2 and calls["refused_token_repeats"] == 1


def test_refusals_count_repeats_from_the_first_refusal_of_each_token() -> None:
    """Repeats are refusals of a token at least the grace after its first refusal; each
    token has its own first refusal."""
    refusals = Refusals(grace=2.0)
    outcomes = [refusals.refuse("a", 0.0), refusals.refuse("a", 1.9), refusals.refuse("b", 5.0),
                refusals.refuse("a", 2.0), refusals.refuse("b", 6.0), refusals.refuse("a", 30.0)]
    assert outcomes == [False, False, False, True, False, True]
    assert (refusals.calls, refusals.repeats, refusals.tokens) == (6, 2, 2)
