"""Prices as a board prints them, through Babel's CLDR data.

Babel takes ~15 µs a call and a menu has few distinct prices, so results are
memoised per (amount, currency): the memo is a pure-function cache, never state
anyone needs to reset.
"""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_currency

# A board in Canada, Australia or Mexico wants a bare "$4.25", not "CA$4.25"
# (what en_US prints for a foreign dollar), so each currency gets its home locale.
_LOCALE_BY_CURRENCY = {
    "USD": "en_US",
    "CAD": "en_CA",
    "AUD": "en_AU",
    "NZD": "en_NZ",
    "GBP": "en_GB",
    "EUR": "en_IE",
    "MXN": "es_MX",
}
DEFAULT_LOCALE = "en_US"


def locale_for(currency: str) -> str:
    """The CLDR locale used for ``currency`` (en_US for any currency not listed)."""
    return _LOCALE_BY_CURRENCY.get(currency.upper(), DEFAULT_LOCALE)


@lru_cache(maxsize=8192)
def format_price(amount: float, currency: str = "USD") -> str:
    """``4.25, "USD"`` → ``"$4.25"``; CAD → ``"$4.25"`` (locale en_CA); EUR → ``"€4.25"``."""
    code = currency.upper() or "USD"
    try:
        return str(format_currency(amount, code, locale=locale_for(code)))
    except (ValueError, ArithmeticError, KeyError, TypeError):
        # An odd currency code from configuration must not blank the board.
        return f"{code} {amount:,.2f}"


def load_locales() -> None:
    """Load the CLDR data of every locale above now, not on a first price: the relay
    calls this at start-up, before it moves what lives for good out of the garbage
    collector's generations (several thousand objects a full collection would rescan)."""
    for code, locale in _LOCALE_BY_CURRENCY.items():
        format_currency(1, code, locale=locale)


def format_addon(amount: float, currency: str = "USD") -> str:
    """A modifier surcharge: ``"+$2.00"``, ``"-$1.00"`` for a discount, ``""`` when free."""
    if amount == 0:
        return ""
    text = format_price(amount, currency)
    return text if amount < 0 else "+" + text
