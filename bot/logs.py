"""Structured JSON logs (structlog). Messages carry ids, statuses and timings, never resident text."""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from typing import Any

import structlog


def add_pid(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The process id: `askcity serve --workers N` runs several processes into one stream of logs."""
    event["pid"] = os.getpid()
    return event


def configure_logging(level: int = logging.INFO) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,  # the request id bound by the metrics middleware
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_pid,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(),
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                add_pid,
                structlog.stdlib.ExtraAdder(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; the records service's URLs hold case references, which are
    # personal data. The bot logs its own line per lookup, with a keyed hash of the reference instead.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # libraries that narrate their start-up at INFO (recognisers loaded, migration context)
    for noisy in ("presidio-analyzer", "presidio-anonymizer", "alembic", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
