"""Domain errors raised by operations, and their mapping to HTTP status codes.

Operations raise these; exactly one place (service.api.errors) turns them into
the JSON error shape ``{"error": {"code", "message", "fields"}}``.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that the rules of the service refuse; ``message`` is Vietnamese."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    """The object changed since the client read it, or the action does not fit its state."""

    status = 409
    code = "conflict"


class GuardsFailed(DomainError):
    status = 422
    code = "guards_failed"


class TooManyAttempts(DomainError):
    """Too many refused sign-ins; ``retry_after`` says in how many seconds to try again."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
