"""Conversation memory: a Protocol and two stores (in-process, Redis) that pass one contract test."""

from bot.sessions.store import (
    FallbackSessionStore,
    InMemorySessionStore,
    RedisSessionStore,
    SessionStore,
    new_session_id,
)

__all__ = [
    "FallbackSessionStore",
    "InMemorySessionStore",
    "RedisSessionStore",
    "SessionStore",
    "new_session_id",
]
