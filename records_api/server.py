"""Run the records service with uvicorn: `records_api.server.run(host, port)`."""

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
        proxy_headers=True,
        log_level="info",
    )
