"""The results API over HTTP, with the standard library only.

Each thread keeps one keep-alive connection (a thread of a web service asks again and again). A
request that cannot reach the API (refused, reset, a connect timeout) is tried three times in all,
250 ms and then 500 ms apart, as the Java ``ResultsClient`` does: every request is safe to repeat.
A request that reached the API and timed out waiting for its answer is not repeated.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from typing import Any, Optional

from .errors import ApiError, AuthError

ATTEMPTS = 3
_FIRST_BACKOFF = 0.25


class Http:
    """Requests to one results API, carrying the bearer token when there is one. Thread-safe."""

    def __init__(self, base_url: str, token: Optional[str], timeout: float):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"api must be an http:// or https:// URL such as http://127.0.0.1:8080, "
                f"was {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: Optional[http.client.HTTPConnection] = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid != os.getpid():
            # Inherited through fork: the parent still uses that socket.
            conn = None
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self.timeout)
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        what: str,
        body: Optional[bytes] = None,
        read_timeout: Optional[float] = None,
    ) -> tuple[int, bytes]:
        """Sends a request; returns the status and the body. ``what`` names it in errors."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        attempt = 1
        while True:
            conn = self._connection()
            fresh = conn.sock is None
            try:
                if fresh:
                    conn.connect()
            except OSError as e:
                self._drop()
                if attempt >= ATTEMPTS:
                    raise ApiError(
                        f"cannot reach the results API at {self.base_url} for {what} after "
                        f"{attempt} {'try' if attempt == 1 else 'tries'}: {e} "
                        "(is it running? ./fennel dev starts one)"
                    ) from e
                time.sleep(_FIRST_BACKOFF * 2 ** (attempt - 1))
                attempt += 1
                continue
            try:
                assert conn.sock is not None
                conn.sock.settimeout(self.timeout if read_timeout is None else read_timeout)
                conn.request(method, self._path + path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    self._drop()
            except socket.timeout as e:
                self._drop()
                raise ApiError(
                    f"the results API at {self.base_url} did not answer {what} within "
                    f"{self.timeout if read_timeout is None else read_timeout:g} s"
                ) from e
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                # A kept-alive connection the API has closed meanwhile: try once more on a new one.
                if not fresh:
                    continue
                if attempt >= ATTEMPTS:
                    raise ApiError(
                        f"cannot reach the results API at {self.base_url} for {what}: {e}"
                    ) from e
                time.sleep(_FIRST_BACKOFF * 2 ** (attempt - 1))
                attempt += 1
                continue
            if response.status == 401:
                raise AuthError(
                    f"the results API at {self.base_url} refused {what} (401): "
                    + (
                        "the token is not the one it expects; check the token given to "
                        "Fennel(token=...) or FENNEL_API_TOKEN"
                        if self._token
                        else "it needs a token: pass Fennel(token=...) or set FENNEL_API_TOKEN "
                        "(or FENNEL_API_TOKEN_FILE)"
                    ),
                    401,
                    "unauthorized",
                )
            return response.status, data

    def json(self, data: bytes, what: str) -> Any:
        """The JSON in an answer's body."""
        try:
            return json.loads(data)
        except ValueError as e:
            raise ApiError(
                f"the results API at {self.base_url} sent {what} that is not JSON: {e}"
            ) from e

    def failure(self, status: int, data: bytes, what: str) -> ApiError:
        """The error for an answer this client did not expect, with the API's own message."""
        error: Optional[str] = None
        message = data.decode("utf-8", "replace")
        try:
            body = json.loads(data)
            if isinstance(body, dict):
                error = body.get("error")
                message = str(body.get("message", message))
        except ValueError:
            pass
        return ApiError(
            f"the results API at {self.base_url} answered {status} for {what}: {message}",
            status,
            error,
        )

    def close(self) -> None:
        """Closes this thread's connection (other threads' close when they end)."""
        self._drop()
