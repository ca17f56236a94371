"""Screen keys and restaurant references: 401, 403, 400 and 404 in the right cases."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.access import KeyRing, Scope
from app.config import ALL_RESTAURANTS, RESTAURANT_REF_PATTERN
from app.errors import BadRequest, Forbidden, NotFound, Unauthorized

A = "6f2b5e7a-0000-4000-8000-000000000001"
B = "6f2b5e7a-0000-4000-8000-000000000002"
ALL = Scope("default", frozenset({ALL_RESTAURANTS}))


def ring(restaurants: dict[str, str] | None = None) -> KeyRing:
    scopes = {"all-key-0123456789": ALL.guids, "downtown-key-01234567": frozenset({"downtown"})}
    return KeyRing(scopes, restaurants if restaurants is not None else {"downtown": A, B: B})


def test_403_does_not_name_the_restaurant_behind_an_alias() -> None:
    """A 403 for an alias the key may not read does not tell which GUID the alias stands for."""
    r = ring({"downtown": A, "uptown": B})
    scope = r.identify("downtown-key-01234567")
    with pytest.raises(Forbidden) as refused:
        r.authorize(scope, r.resolve("uptown"))
    assert B not in refused.value.detail and B.upper() not in refused.value.detail


@pytest.mark.parametrize("presented", [None, "", "all-key-012345678", "all-key-0123456789x"])
def test_missing_or_unknown_key_is_401(presented: str | None) -> None:
    """No key, or any key not configured (even a prefix or extension of one), is 401."""
    with pytest.raises(Unauthorized):
        ring().identify(presented)


def test_alias_scope_resolves_to_guid() -> None:
    """A key scoped to an alias may read that alias's GUID and nothing else (403)."""
    r = ring()
    scope = r.identify("downtown-key-01234567")
    r.authorize(scope, r.resolve("downtown"))
    r.authorize(scope, r.resolve(A.upper()))
    with pytest.raises(Forbidden):
        r.authorize(scope, r.resolve(B))


@pytest.mark.parametrize("ref", ["1234-abcd", "6f2b5e7a-0000-4000-8000-00000000000",
                                 "6f2b5e7a-0000-4000-8000-00000000000g", "c0dd7491-1f6d-oops"])
def test_malformed_guid_is_400(ref: str) -> None:
    """Something shaped like a GUID but not one is a 400, never a Toast call."""
    with pytest.raises(BadRequest):
        ring().resolve(ref)


@pytest.mark.parametrize("ref", ["not-a-guid-';--", "a b", "x" * 65, "_x", "café"])
def test_neither_guid_nor_alias_is_400(ref: str) -> None:
    """A reference with characters no alias may hold (quotes, spaces, ...) is a 400."""
    with pytest.raises(BadRequest):
        ring().resolve(ref)


@pytest.mark.parametrize("ref", ["uptown", "decaf-cafe", "my-big-new-cafe-bar",
                                 "zzzzzzzz-zz-zz-zz-zz"])
def test_unknown_alias_is_404(ref: str) -> None:
    """A name that is not a configured alias (even with dashes or hex letters) is a 404."""
    with pytest.raises(NotFound):
        ring().resolve(ref)


def test_allowlist_limits_guids() -> None:
    """With RELAY_RESTAURANTS set, other GUIDs are not served (404); without, any GUID is."""
    other = "6f2b5e7a-0000-4000-8000-0000000000ff"
    with pytest.raises(NotFound):
        ring().resolve(other)
    assert ring({}).resolve(other) == other


def test_readable_lists_follow_scope() -> None:
    """/restaurants lists configured restaurants for '*' keys and only its own for scoped."""
    r = ring()
    assert set(r.readable(ALL, [])) == {A, B}
    assert r.readable(r.identify("downtown-key-01234567"), [B]) == [A]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("0123456789abcdefABCDEFghxyz-._~;' é\n"), max_size=40))
def test_documented_reference_pattern_is_the_rule(ref: str) -> None:
    """The pattern /openapi.json documents for {restaurant} matches exactly the refs not 400."""
    r = KeyRing({}, {})
    try:
        r.resolve(ref)
        accepted = True
    except NotFound:
        accepted = True
    except BadRequest:
        accepted = False
    assert bool(re.fullmatch(RESTAURANT_REF_PATTERN, ref)) == accepted


def test_access_log_facts_name_the_restaurant_and_its_account() -> None:
    """Resolving a screen's or an admin's restaurant notes its GUID and its account for the
    access log, also when it is refused (403) and for the default account taking any GUID."""
    two = KeyRing.of_accounts({
        "default": ({"all-key-0123456789": ALL.guids}, {}, None),
        "agency": ({"agency-key-0123456789": ALL.guids}, {"tacos": A}, None)}, None)
    note: dict[str, object] = {}
    assert two.admit(two.identify("agency-key-0123456789"), "tacos", note) == A
    assert note == {"restaurant": A, "account": "agency"}
    refused: dict[str, object] = {}
    with pytest.raises(Forbidden):
        two.admit(two.identify("all-key-0123456789"), "tacos", refused)
    assert refused == {"restaurant": A, "account": "agency"}
    two.note(note, B)
    assert note == {"restaurant": B, "account": "default"}
