"""Cross-site request forgery: what a state-changing console request must carry.

Two checks, both required (403 otherwise): the session's own CSRF token in the form
(a page on another site cannot read it), and an ``Origin`` (else ``Referer``) naming
this very origin. Console pages send ``Referrer-Policy: same-origin``: under the
relay's usual ``no-referrer`` a browser sends ``Origin: null`` on a form POST. The
JSON admin API takes the key in ``X-API-Key`` and no cookie, so it needs neither.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from app.errors import Forbidden


def same_origin(scheme: str, host: str, origin: str | None, referer: str | None) -> bool:
    """Whether the request says it came from ``scheme://host`` (``Origin`` wins; a request
    with neither header is refused)."""
    expected = f"{scheme}://{host}".lower()
    if origin is not None:
        return origin.lower() == expected
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() == expected
    return False


def check(expected_token: str, presented_token: str | None, *, scheme: str, host: str,
          origin: str | None, referer: str | None) -> None:
    """403 unless the token matches (constant time) and the request is same-origin."""
    if not same_origin(scheme, host, origin, referer):
        raise Forbidden("this change did not come from the console's own page (Origin "
                        "or Referer names another site); reload the console and try again")
    if not presented_token or not hmac.compare_digest(presented_token.encode(),
                                                      expected_token.encode()):
        raise Forbidden("the form's CSRF token is missing or out of date; reload the "
                        "console page and try again")
