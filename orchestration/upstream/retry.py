"""How hard a download tries: urllib3's ``Retry``, run by the project's :class:`RetryPolicy`.

The policy is what callers set (timeout, attempts, backoff, the longest ``Retry-After`` worth
waiting for) and what tests shrink; :class:`PolicyRetry` is the ``Retry`` that carries it
through urllib3 and through the checks :mod:`orchestration.upstream.http` makes on the body.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

# Statuses that say "not now": a timeout, too early, too many requests, a server in trouble.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests pass tiny values and a recording ``sleep``."""

    timeout: float = 60.0
    attempts: int = 4
    backoff: float = 2.0
    max_backoff: float = 120.0
    max_retry_after: float = 600.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """``BRIEFING_HTTP_TIMEOUT``, ``BRIEFING_HTTP_ATTEMPTS``, ``BRIEFING_HTTP_BACKOFF`` over the defaults."""
        env = os.environ
        return cls(
            timeout=float(env.get("BRIEFING_HTTP_TIMEOUT", cls.timeout)),
            attempts=int(env.get("BRIEFING_HTTP_ATTEMPTS", cls.attempts)),
            backoff=float(env.get("BRIEFING_HTTP_BACKOFF", cls.backoff)),
        )

    def retry(self) -> PolicyRetry:
        """A fresh urllib3 ``Retry`` carrying this policy."""
        return PolicyRetry(
            total=None,
            redirect=MAX_REDIRECTS,
            status_forcelist=RETRYABLE_STATUS,
            raise_on_status=False,  # the last answer comes back, so its status and body are reported
            # Never capped: a longer wait is refused in PolicyRetry.increment, not shortened.
            retry_after_max=sys.maxsize,
            policy=self,
        )


class PolicyRetry(Retry):
    """urllib3's ``Retry`` run by a :class:`RetryPolicy`.

    Three departures from the stock class, each for a refresh run unattended: one budget of
    ``attempts`` for every kind of failure (redirects apart); the first retry already waits
    ``backoff`` (urllib3 waits nothing before it), then twice that, and so on; and a
    ``Retry-After`` longer than ``max_retry_after`` ends the retries at once, with the answer
    handed back to be reported. Waits go through ``policy.sleep`` so tests can record them.
    """

    def __init__(self, *args: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy()

    def new(self, **kw: Any) -> PolicyRetry:
        fresh = super().new(**kw)
        fresh.policy = self.policy
        return fresh

    @property
    def failures(self) -> int:
        return sum(1 for h in self.history if h.redirect_location is None)

    def is_exhausted(self) -> bool:
        return self.failures >= self.policy.attempts or super().is_exhausted()

    def get_backoff_time(self) -> float:
        failures = 0
        for h in reversed(self.history):
            if h.redirect_location is not None:
                break
            failures += 1
        if not failures:
            return 0.0
        return min(self.policy.backoff * 2 ** (failures - 1), self.policy.max_backoff)

    def get_retry_after(self, response: Any) -> float | None:
        # Only the statuses that define Retry-After; an unreadable header means "not given".
        if response.status not in self.RETRY_AFTER_STATUS_CODES:
            return None
        try:
            after = super().get_retry_after(response)
        except InvalidHeader:
            return None
        return None if after is None else float(after)

    def sleep_for_retry(self, response: Any) -> bool:
        after = self.get_retry_after(response)
        if after is None:
            return False
        self.policy.sleep(after)
        return True

    def _sleep_backoff(self) -> None:
        self.policy.sleep(self.get_backoff_time())

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if response is not None:
            after = self.get_retry_after(response)
            if after is not None and after > self.policy.max_retry_after:
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {after:.0f} s"))
        return super().increment(method, url, response, error, _pool, _stacktrace)
