"""JSON over HTTP for the sources of remote services: timeouts, retries with backoff, errors naming the URL.

A 5xx answer, a reset or refused connection, a timeout, and a body that is
not complete JSON are transient: each is tried again, after an exponential
backoff with jitter, `retries` more times. A 4xx answer is final. Either way
the error says which request failed and how, and no partial answer is ever
taken for "no data".
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from builder.errors import HarvestError, Location, Problem

BACKOFF_SECONDS = 0.5  # first wait; doubles on each retry
MAX_BACKOFF_SECONDS = 10.0
log = logging.getLogger(__name__)  # each retry is a warning: the command shows them unless --quiet


class Transient(Exception):
    """A failure worth another try."""


class Refused(HarvestError):
    """The service answered 4xx: trying again would get the same."""

    def __init__(self, url: str, status: int, body: str):
        self.status = status
        super().__init__(Problem(Location(url), f"the service refused the request: HTTP {status} {_excerpt(body)}"))


class JsonClient:
    def __init__(self, base_url: str, timeout: float, retries: int):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.http = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, body=body)

    def call(self, method: str, path: str, params: dict[str, str] | None = None,
             body: dict[str, Any] | None = None) -> Any:
        """The decoded JSON answer, after up to `retries` further tries on transient failures."""
        url = f"{self.base_url}{path}"
        attempts = Retrying(stop=stop_after_attempt(self.retries + 1), retry=retry_if_exception_type(Transient),
                            wait=wait_exponential_jitter(multiplier=BACKOFF_SECONDS, max=MAX_BACKOFF_SECONDS,
                                                         jitter=BACKOFF_SECONDS), reraise=True)
        try:
            for attempt in attempts:
                with attempt:
                    return self._once(method, url, params, body)
        except Transient as error:
            raise HarvestError(Problem(Location(_shown(url, params)),
                                       f"{error} (gave up after {self.retries + 1} tries)")) from None
        raise AssertionError("unreachable: Retrying either returns or raises")

    def _once(self, method: str, url: str, params: dict[str, str] | None, body: dict[str, Any] | None) -> Any:
        try:
            response = self.http.request(method, url, params=params, json=body)
        except httpx.TimeoutException:
            raise self._transient(url, params, f"no answer within {self.http.timeout.read} s") from None
        except httpx.TransportError as error:
            raise self._transient(url, params, f"connection failed: {error or type(error).__name__}") from None
        if response.status_code >= 500:
            raise self._transient(url, params, f"HTTP {response.status_code} {_excerpt(response.text)}")
        if response.status_code >= 400:
            raise Refused(_shown(url, params), response.status_code, response.text)
        try:
            return json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise self._transient(url, params, f"the answer is not complete JSON ({error})") from None

    def _transient(self, url: str, params: dict[str, str] | None, message: str) -> Transient:
        log.warning("%s: %s; trying again", _shown(url, params), message)
        return Transient(message)


def _shown(url: str, params: dict[str, str] | None) -> str:
    return str(httpx.URL(url, params=params)) if params else url


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text[:200] + ("..." if len(text) > 200 else "")
