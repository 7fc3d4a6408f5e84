"""Errors of the bot service. The API maps each to an HTTP response in one place (`bot/api/errors.py`).

BotError
├── SessionNotFoundError     unknown or expired session id
├── MessageTooLongError      over the configured message limit
├── RateLimitedError         too many messages (carries retry_after seconds)
├── AnswerNotFoundError      feedback for an answer we never gave
├── ServiceNotReadyError     the knowledge base or a model is not loaded yet
    ├── ChatDisabledError        an operator switched the chat off (`askcity chat off`)
└── RecordsError             talking to the records service
    ├── RecordsUnauthorizedError  the resident's token was refused (log in again)
    ├── RecordsNotFoundError      no such case on this resident's account
    ├── RecordsThrottledError     too many lookups (carries retry_after seconds)
    └── RecordsUnavailableError   down, slow or answering nonsense
"""

from __future__ import annotations


class BotError(Exception):
    """Base class of the bot's own errors."""


class SessionNotFoundError(BotError):
    pass


class MessageTooLongError(BotError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"message of {length} characters is over the {limit}-character limit")
        self.length = length
        self.limit = limit

    def __reduce__(self) -> tuple[type[MessageTooLongError], tuple[int, int]]:
        return type(self), (self.length, self.limit)  # crosses from a turn process (bot/turns.py)


class RateLimitedError(BotError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[RateLimitedError], tuple[int]]:
        return type(self), (self.retry_after,)


class AnswerNotFoundError(BotError):
    pass


class ServiceNotReadyError(BotError):
    pass


class ChatDisabledError(BotError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RecordsError(BotError):
    pass


class RecordsUnauthorizedError(RecordsError):
    pass


class RecordsNotFoundError(RecordsError):
    pass


class RecordsThrottledError(RecordsError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"records lookups throttled for {retry_after} s")
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[RecordsThrottledError], tuple[int]]:
        return type(self), (self.retry_after,)


class RecordsUnavailableError(RecordsError):
    pass
