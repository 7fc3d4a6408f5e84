"""Cross-site request forgery: a synchronizer token bound to the session, plus the Origin check.

Every state-changing request (POST, PUT, PATCH, DELETE) that a session cookie authenticates must

1. carry the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`), compared in
   constant time, and
2. come from one of our own origins: the `Origin` header (or, without one, the `Referer`'s origin)
   must be the bot's public origin. `Origin: null` and a request with neither header are refused.

SameSite=Strict on the cookie already keeps other sites' requests cookie-less; the token and the
Origin check also cover same-site origins (another subdomain of the city) and browsers without
SameSite. Requests with a bearer token carry no ambient credential and need neither check. Before
sign-in there is no session: the login form uses a double-submit cookie with the same checks.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection
from urllib.parse import urlsplit

from bot.staff.errors import CsrfError

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str, given: str | None) -> bool:
    if not given or len(given) > 200:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL (default port dropped, lower case), else None."""
    if not url or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def request_origin(origin: str | None, referer: str | None) -> str | None:
    """Where a request says it comes from: its Origin, or the origin of its Referer."""
    if origin is not None:
        return origin_of(origin) if origin.strip() != "null" else None
    return origin_of(referer)


def check_origin(origin: str | None, referer: str | None, expected: Collection[str]) -> None:
    source = request_origin(origin, referer)
    if source is None:
        raise CsrfError("state-changing request without a usable Origin or Referer")
    if source not in expected:
        raise CsrfError(f"state-changing request from another origin {source[:80]!r}")


def check(
    method: str,
    expected_token: str,
    given_token: str | None,
    origin: str | None,
    referer: str | None,
    expected_origins: Collection[str],
) -> None:
    """Raise CsrfError unless a request of `method` may change state for this session."""
    if method.upper() not in STATE_CHANGING:
        return
    check_origin(origin, referer, expected_origins)
    if not tokens_match(expected_token, given_token):
        raise CsrfError("state-changing request without the session's CSRF token")
