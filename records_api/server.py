"""Run the records service with uvicorn: `records_api.server.run(host, port)`.

uvicorn's own proxy-header handling is off: it trusts `X-Forwarded-For` from 127.0.0.1 unless told
otherwise, which let anything on the host (the bot included) pick the audited address. The app
applies `ProxyHeadersMiddleware` itself, for `ASKCITY_RECORDS_TRUSTED_PROXIES` only (none by default).
"""

from __future__ import annotations

import uvicorn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve `create_app()` (settings from the environment) until interrupted."""
    uvicorn.run(
        "records_api.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        proxy_headers=False,
        log_level="info",
        # the access log would print request paths, which hold case references (personal data);
        # every read is in the audit trail instead
        access_log=False,
    )
