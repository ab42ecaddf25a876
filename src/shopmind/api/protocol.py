"""The HTTP protocol `shopmind serve` runs: uvicorn's, with the API's error shape for requests it cannot read.

A request whose line or headers the HTTP parser refuses (a malformed request, or a URL of about 80 kB
and more, e.g. a pasted 100 kB search query) never reaches the app, so uvicorn answers it itself with
a plain-text ``Invalid HTTP request received.``. Here that answer is the API's JSON error shape instead,
saying what the limits are, so a client sees the same kind of error whatever size it sent (a query of
up to that size gets the usual 422 naming the field's limit).
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

BAD_REQUEST = {
    "error": {
        "code": "bad_request",
        "message": "the HTTP request could not be read: it is malformed, or its URL or headers are too long "
        "(a search query is at most 1,000 characters; send long text in a request body)",
        "details": None,
    }
}


class JsonBadRequest:
    """Mixin for a uvicorn HTTP protocol: its 400 for a request it cannot read, in the API's error shape."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(BAD_REQUEST).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


class HttpToolsJson(JsonBadRequest, HttpToolsProtocol):
    """uvicorn's httptools protocol with :class:`JsonBadRequest` (a top-level class: uvicorn's worker
    processes receive it by name)."""


def http_protocol() -> type:
    """The protocol class ``shopmind serve`` hands to uvicorn."""
    return HttpToolsJson
