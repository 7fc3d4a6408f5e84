"""Dev and test only: a demo user name and password, exchanged for a token at the records service's dev
identity provider (`POST <url>/dev/token`, docs/records_api.md). The bot relays the staff login form
to it server-side and verifies the token it returns like any other; its lock-out after failed
logins applies (429). Refused in production by the settings.
"""

from __future__ import annotations

import httpx

from bot.staff.errors import IdentityProviderError, SignInError, TooManySignInsError

BAD_CREDENTIALS = "The user name or the password is not right."
MAX_USERNAME = 64
MAX_PASSWORD = 256


class DevPasswordLogin:
    def __init__(self, base_url: str, http: httpx.Client) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def token(self, username: str, password: str) -> str:
        """The access token, or SignInError / TooManySignInsError / IdentityProviderError."""
        if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            raise SignInError(BAD_CREDENTIALS, "credentials over the length limit")
        try:
            response = self._http.post(
                f"{self.base_url}/dev/token", data={"username": username, "password": password}
            )
        except httpx.HTTPError as exc:
            raise IdentityProviderError(f"dev identity provider unreachable: {type(exc).__name__}") from exc
        if response.status_code in (401, 422):
            raise SignInError(BAD_CREDENTIALS, f"dev identity provider answered {response.status_code}")
        if response.status_code == 429:
            try:
                retry_after = int(response.headers.get("Retry-After", "60"))
            except ValueError:
                retry_after = 60
            raise TooManySignInsError(retry_after)
        try:
            token = response.json().get("access_token") if response.status_code == 200 else None
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise IdentityProviderError(f"dev identity provider answered {response.status_code}")
        return token
