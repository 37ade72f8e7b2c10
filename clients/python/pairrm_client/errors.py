"""Errors raised by the client."""
from __future__ import annotations

from typing import Any, Optional


class PairRMError(Exception):
    """A request to the server failed.

    Attributes:
        status: the HTTP status code, or None when no HTTP answer came (see PairRMConnectionError).
        type: the server's error type ("invalid_request", "unauthorized", "too_large", "unprocessable",
            "overloaded", "unavailable", "internal", ...), or a client-side one: "invalid_response" (the
            body could not be read as the JSON expected), "http_error" (an error status without a JSON
            error body), "connection_error", "record_error" (one record of a batch was refused).
        message: the server's message, or the client's explanation.
        field: the request field at fault, when the server named one.
        url: the URL of the request.
        body: the parsed JSON error body (dict) when there was one, else the raw text (possibly cut short).
    """

    def __init__(
        self,
        status: Optional[int],
        type: Optional[str],
        message: str,
        field: Optional[str] = None,
        url: Optional[str] = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.type = type
        self.message = message
        self.field = field
        self.url = url
        self.body = body
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.type:
            parts.append(self.type)
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.field:
            text += f" (field {self.field!r})"
        if self.url and self.url not in text:
            text += f" [{self.url}]"
        return text

    def __reduce__(self):  # keep the fields through pickling (multiprocessing, Ray)
        return (type(self), (self.status, self.type, self.message, self.field, self.url, self.body))


class PairRMConnectionError(PairRMError):
    """No HTTP answer: the connection was refused or reset, the name did not resolve, or it timed out."""

    def __init__(self, message: str, url: Optional[str] = None, type: str = "connection_error") -> None:
        super().__init__(None, type, message, None, url, None)

    def __reduce__(self):
        return (type(self), (self.message, self.url, self.type))
