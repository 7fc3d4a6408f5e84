"""OpenID Connect, authorization-code flow with PKCE, as a relying party (httpx, no framework).

1. `metadata()` reads `<issuer>/.well-known/openid-configuration` (cached an hour); its `issuer` must be
   the configured one exactly, and every endpoint https (http only on a loopback host outside
   production).
2. `authorization_url()` sends the browser to the issuer with `state`, `nonce` and an S256
   `code_challenge` (the verifier never leaves the server).
3. `exchange()` trades the callback's `code` and the verifier for tokens at the token endpoint
   (client secret with HTTP Basic when configured; a public client sends only its id).
4. The caller verifies the ID token (issuer, audience = client id, nonce) and the access token (the
   records service's rules) with `trust.tokens.TokenVerifier`.

`refresh()` renews the access token; `end_session_url()` is the issuer's logout, when it has one.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from jwt import PyJWK

from bot.staff.csrf import origin_of
from bot.staff.errors import IdentityProviderError, SignInError
from trust.errors import KeySetUnavailableError
from trust.tokens import JwksUrlKeySource

EXPIRED_LOGIN = "This sign-in has expired or was already used. Please start again."


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]: within RFC 7636's 43-128


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    id_token: str | None
    refresh_token: str | None


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        scopes: str,
        http: httpx.Client,
        allow_http_loopback: bool = False,
        metadata_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._secret = client_secret or None
        self.scopes = scopes
        self._http = http
        self._allow_http_loopback = allow_http_loopback
        self._metadata_seconds = metadata_seconds
        self._clock = clock
        self._cached: tuple[float, ProviderMetadata] | None = None
        self._lock = threading.Lock()

    def _endpoint(self, value: object, name: str) -> str:
        if not isinstance(value, str) or len(value) > 2048:
            raise IdentityProviderError(f"discovery document has no usable {name}")
        parts = urlsplit(value)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and self._allow_http_loopback and is_loopback(parts.hostname)
        )
        if not secure or not parts.netloc:
            raise IdentityProviderError(f"{name} is not an https URL")
        return value

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._cached is not None and self._clock() < self._cached[0]:
                return self._cached[1]
            document = self._get_json(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
            if document.get("issuer") != self.issuer:
                raise IdentityProviderError("discovery document names another issuer")
            end_session = document.get("end_session_endpoint")
            metadata = ProviderMetadata(
                issuer=self.issuer,
                authorization_endpoint=self._endpoint(
                    document.get("authorization_endpoint"), "authorization_endpoint"
                ),
                token_endpoint=self._endpoint(document.get("token_endpoint"), "token_endpoint"),
                jwks_uri=self._endpoint(document.get("jwks_uri"), "jwks_uri"),
                end_session_endpoint=(
                    self._endpoint(end_session, "end_session_endpoint") if end_session else None
                ),
            )
            self._cached = (self._clock() + self._metadata_seconds, metadata)
            return metadata

    def origins(self) -> list[str]:
        """Where the browser is sent (for the pages' CSP `form-action`): the issuer and its endpoints."""
        found = {origin_of(self.issuer)}
        if self._cached is not None:
            metadata = self._cached[1]
            found |= {origin_of(metadata.authorization_endpoint), origin_of(metadata.end_session_endpoint)}
        return sorted(o for o in found if o)

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
        endpoint = self.metadata().authorization_endpoint
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenResponse:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        return self._token_request(form)

    def refresh(self, refresh_token: str) -> TokenResponse:
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def end_session_url(self, *, id_token_hint: str | None, post_logout_redirect_uri: str) -> str | None:
        try:
            endpoint = self.metadata().end_session_endpoint
        except IdentityProviderError:
            return None
        if endpoint is None:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"

    def _token_request(self, form: dict[str, str]) -> TokenResponse:
        endpoint = self.metadata().token_endpoint
        headers = {"Accept": "application/json"}
        if self._secret is None:
            form = {**form, "client_id": self.client_id}
        else:  # client_secret_basic, the default of OpenID Connect Core 9
            request = httpx.BasicAuth(self.client_id, self._secret).auth_flow(httpx.Request("POST", endpoint))
            headers["Authorization"] = next(request).headers["Authorization"]
        try:
            response = self._http.post(endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise IdentityProviderError(f"token endpoint unreachable: {type(exc).__name__}") from exc
        body = self._json(response)
        if response.status_code == 400 and body.get("error") == "invalid_grant":
            raise SignInError(EXPIRED_LOGIN, "token endpoint: invalid_grant")
        if response.status_code != 200:
            raise IdentityProviderError(f"token endpoint answered {response.status_code}")
        access, id_token, refresh = body.get("access_token"), body.get("id_token"), body.get("refresh_token")
        if not isinstance(access, str) or not access:
            raise IdentityProviderError("token endpoint sent no access token")
        return TokenResponse(
            access_token=access,
            id_token=id_token if isinstance(id_token, str) and id_token else None,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        )

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise IdentityProviderError(f"discovery unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise IdentityProviderError(f"discovery answered {response.status_code}")
        return self._json(response)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}


class DiscoveredKeySource:
    """The issuer's JWKS at the `jwks_uri` of its discovery document, looked up on first use."""

    def __init__(self, oidc: OidcClient, timeout_seconds: float, cache_seconds: int) -> None:
        self._oidc = oidc
        self._timeout = timeout_seconds
        self._cache_seconds = cache_seconds
        self._inner: JwksUrlKeySource | None = None
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> PyJWK:
        with self._lock:
            if self._inner is None:
                try:
                    url = self._oidc.metadata().jwks_uri
                except IdentityProviderError as exc:
                    raise KeySetUnavailableError(str(exc)) from exc
                self._inner = JwksUrlKeySource(url, self._timeout, self._cache_seconds)
        return self._inner.signing_key(kid)
