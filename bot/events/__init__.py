"""Live events: what the resident's widget and the agent console receive over server-sent events.

- `broker`: the `EventBroker` Protocol and the in-process broker (the embedded default).
- `redis_broker`: the broker over Redis streams and pub/sub, for several bot processes.

No web framework here: the SSE routes live in `bot/api/routes_events.py` and
`bot/api/routes_staff_console.py`.
"""

from bot.events.broker import Event, EventBroker, InMemoryEventBroker, parse_event_id
from bot.events.errors import EventError, InvalidEventIdError
from bot.events.redis_broker import RedisEventBroker

__all__ = [
    "Event",
    "EventBroker",
    "EventError",
    "InMemoryEventBroker",
    "InvalidEventIdError",
    "RedisEventBroker",
    "parse_event_id",
]
