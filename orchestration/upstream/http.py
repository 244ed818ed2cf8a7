"""Downloads from upstream publishers that either land whole and verified, or not at all.

Every connector fetches through :func:`download` (files) or :func:`fetch_json` (API and catalogue
answers). Both use the standard library only (``urllib``), so the project needs no HTTP package.

What a download guarantees:

* **timeouts** — ``RetryPolicy.timeout`` bounds the connection and every read;
* **retries with exponential backoff** on timeouts, dropped or truncated connections, HTTP 408,
  425, 429 and 5xx; a ``Retry-After`` header (seconds or an HTTP date) is honoured, and one that
  asks for longer than ``RetryPolicy.max_retry_after`` fails at once instead of stalling a run;
* **content checks** — the ``Content-Type`` must be one the caller accepts (a publisher's HTML
  error or login page served with status 200 is the usual way a download goes wrong), and the
  bytes must look like the promised kind (zip archives are opened and every member's CRC read,
  gzip streams decompressed to the end);
* **integrity** — the sha256 of the bytes is always computed; an expected digest (sha256 or the
  md5 ScienceBase publishes) and an expected size are checked when the caller has them;
* **a size limit** — from ``Content-Length`` before reading, and while reading;
* **atomic, never-overwriting writes** — bytes go to a hidden ``.part`` file beside the target
  and are hard-linked into place only when every check passed; an existing file is never
  replaced.

Failures raise :class:`DownloadError`, whose message says what was asked, what came back and
after how many attempts. Secrets passed in headers (API keys) never appear in messages.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

USER_AGENT = "critical-minerals-briefing/0.1 (open-data refresh; Python urllib)"
CHUNK = 1 << 20
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

# Content types a publisher may legitimately send for each kind of file. Generic binary types
# are accepted because many servers (and ScienceBase for some files) label everything that way;
# the content itself is checked afterwards.
CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "zip": (
        "application/zip",
        "application/x-zip-compressed",
        "application/x-zip",
        "application/octet-stream",
        "binary/octet-stream",
    ),
    "gzip": (
        "application/gzip",
        "application/x-gzip",
        "application/octet-stream",
        "binary/octet-stream",
    ),
    "csv": (
        "text/csv",
        "text/plain",
        "application/csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
        "binary/octet-stream",
    ),
    "text": ("text/plain", "application/octet-stream", "binary/octet-stream"),
    "xml": ("application/xml", "text/xml", "application/octet-stream", "binary/octet-stream"),
    "json": ("application/json", "text/json"),
}
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


class DownloadError(Exception):
    """A download or API call that did not produce verified bytes; the message says why."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        attempts: int = 1,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts > 1 else ""
        super().__init__(f"GET {redact_url(url)} failed{tries}: {reason}")


class NotModified(Exception):
    """The server answered 304: the copy from the previous download is still current."""


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

    def wait_before(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (2, 3, ...): backoff, 2x backoff, 4x ..."""
        return min(self.backoff * 2 ** (attempt - 2), self.max_backoff)


@dataclass(frozen=True)
class Downloaded:
    """A verified file on disk and where it came from."""

    path: Path
    url: str
    bytes: int
    sha256: str
    content_type: str | None
    etag: str | None
    last_modified: str | None
    attempts: int
    fetched_at: str

    def record(self, root: Path) -> dict[str, Any]:
        """The download's entry in a raw folder's ``download.json``."""
        return {
            "name": self.path.relative_to(root).as_posix(),
            "url": redact_url(self.url),
            "bytes": self.bytes,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "attempts": self.attempts,
            "fetched_at": self.fetched_at,
        }


# Query parameters that carry credentials in some APIs; they are masked in messages and records.
_SECRET_PARAMS = frozenset(
    {"subscription-key", "key", "apikey", "api_key", "token", "access_token"}
)


def redact_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=",")))


def with_params(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None}, safe=",")
    return url + ("&" if urllib.parse.urlsplit(url).query else "?") + query


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _content_type(headers: Mapping[str, str] | http.client.HTTPMessage) -> str | None:
    raw = headers.get("Content-Type")
    return raw.split(";", 1)[0].strip().lower() if raw else None


def _describe_http_error(status: int, reason: str, body: bytes) -> str:
    text = f"HTTP {status} {reason}".rstrip()
    snippet = body[:300].decode("utf-8", errors="replace").strip()
    if snippet:
        text += f" ({' '.join(snippet.split())[:200]})"
    if status in (401, 403):
        text += "; the server refused the credentials or the resource is not public"
    return text


def _open(url: str, headers: Mapping[str, str], timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    return urllib.request.urlopen(request, timeout=timeout)


def _transient(exc: BaseException) -> str | None:
    """A short description when ``exc`` is a network failure worth retrying, else None."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed after {len(exc.partial)} bytes of the body"
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionError):
        return f"connection dropped ({exc.__class__.__name__})"
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        inner = exc.reason
        if isinstance(inner, TimeoutError | socket.timeout):
            return "timed out"
        if isinstance(inner, OSError):
            return f"network error ({inner})"
    return None


def _with_retries(url: str, policy: RetryPolicy, attempt_fn: Callable[[int], Any]) -> Any:
    """Run ``attempt_fn(attempt)`` until it returns, retrying the failures that may pass."""
    last: DownloadError | None = None
    for attempt in range(1, policy.attempts + 1):
        if last is not None:
            asked = last.retry_after if last.status in (429, 503) else None
            policy.sleep(asked if asked is not None else policy.wait_before(attempt))
        try:
            return attempt_fn(attempt)
        except DownloadError as exc:
            last = exc
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp is not None else b""
            reason = _describe_http_error(exc.code, exc.reason or "", body)
            retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            if retry_after is not None and retry_after > policy.max_retry_after:
                raise DownloadError(
                    url,
                    f"{reason}; the server asks to retry after {retry_after:.0f} s, longer than "
                    f"the {policy.max_retry_after:.0f} s a refresh waits",
                    attempts=attempt,
                    status=exc.code,
                ) from exc
            last = DownloadError(
                url,
                reason,
                status=exc.code,
                retry_after=retry_after,
                retryable=exc.code in RETRYABLE_STATUS,
            )
        except (OSError, http.client.HTTPException) as exc:
            why = _transient(exc)
            if why is None:
                raise DownloadError(
                    url, f"{exc.__class__.__name__}: {exc}", attempts=attempt
                ) from exc
            last = DownloadError(url, why, retryable=True)
        if not last.retryable:
            break
    assert last is not None
    raise DownloadError(url, last.reason, attempts=attempt, status=last.status) from last


def fetch_json(
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    max_bytes: int = 64 * 1024 * 1024,
) -> Any:
    """GET a JSON document with the same timeouts, retries and content checks as a download."""
    policy = policy or RetryPolicy()
    full = with_params(url, params)

    def attempt(_n: int) -> Any:
        with _open(full, {"Accept": "application/json", **(headers or {})}, policy.timeout) as resp:
            kind = _content_type(resp.headers)
            body = _read_limited(resp, full, max_bytes)
        if kind is not None and kind not in CONTENT_TYPES["json"]:
            raise DownloadError(
                full, f"expected JSON, the server sent {kind} ({_peek(body)})", retryable=False
            )
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DownloadError(full, f"answer is not valid JSON: {exc}", retryable=False) from exc

    return _with_retries(full, policy, attempt)


def _read_limited(resp, url: str, max_bytes: int) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise DownloadError(
            url, f"{int(declared):,} bytes announced, over the {max_bytes:,}-byte limit"
        )
    body = resp.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise DownloadError(url, f"more than the {max_bytes:,}-byte limit")
    return body


def _peek(body: bytes) -> str:
    text = body[:80].decode("utf-8", errors="replace")
    return "starts " + repr(" ".join(text.split()))


def download(
    url: str,
    dest: Path,
    *,
    kind: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    policy: RetryPolicy | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_size: int | None = None,
    expected_digests: Mapping[str, str] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> Downloaded:
    """Download ``url`` to ``dest`` (which must not exist), verified, written atomically.

    ``kind`` is one of :data:`CONTENT_TYPES` (``zip``, ``gzip``, ``csv``, ``text``, ``xml``,
    ``json``) or ``any``. ``expected_digests`` maps ``sha256``/``md5`` to hex digests.
    ``previous`` is the ``download.json`` record of the last download of the same URL: its ETag and
    Last-Modified make the request conditional, and a 304 answer raises :class:`NotModified`.
    """
    policy = policy or RetryPolicy()
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; downloads never overwrite a previous file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    full = with_params(url, params)
    request_headers = dict(headers or {})
    if previous:
        if previous.get("etag"):
            request_headers["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            request_headers["If-Modified-Since"] = previous["last_modified"]
    part = dest.with_name(f".{dest.name}.part-{os.getpid()}")

    def attempt(n: int) -> Downloaded:
        try:
            return _attempt_download(
                full,
                dest,
                part,
                kind,
                request_headers,
                policy,
                max_bytes,
                expected_size,
                expected_digests,
                n,
            )
        finally:
            part.unlink(missing_ok=True)

    try:
        return _with_retries(full, policy, attempt)
    except DownloadError as exc:
        if exc.status == 304:
            raise NotModified(full) from exc
        raise


def _attempt_download(
    url, dest, part, kind, headers, policy, max_bytes, expected_size, expected_digests, attempt
) -> Downloaded:
    try:
        resp = _open(url, headers, policy.timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            raise DownloadError(url, "not modified", status=304) from exc
        raise
    with resp:
        content_type = _content_type(resp.headers)
        allowed = CONTENT_TYPES.get(kind, ())
        if kind != "any" and content_type is not None and content_type not in allowed:
            raise DownloadError(
                url,
                f"expected a {kind} file, the server sent {content_type} "
                f"({_peek(resp.read(200))}); not saved",
            )
        declared = resp.headers.get("Content-Length")
        declared_n = int(declared) if declared and declared.isdigit() else None
        if declared_n is not None and declared_n > max_bytes:
            raise DownloadError(
                url, f"{declared_n:,} bytes announced, over the {max_bytes:,}-byte limit"
            )
        sha = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with open(part, "wb") as out:
            while block := resp.read(CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise DownloadError(
                        url, f"more than the {max_bytes:,}-byte limit; download stopped"
                    )
                sha.update(block)
                md5.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if declared_n is not None and size != declared_n:
            raise DownloadError(
                url,
                f"truncated: {size:,} of {declared_n:,} announced bytes arrived",
                retryable=True,
            )
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
    digests = {"sha256": sha.hexdigest(), "md5": md5.hexdigest()}
    if expected_size is not None and size != expected_size:
        raise DownloadError(
            url,
            f"size mismatch: got {size:,} bytes, the publisher lists {expected_size:,}",
            retryable=True,
        )
    for algo, want in (expected_digests or {}).items():
        got = digests.get(algo.lower())
        if got is not None and got != want.lower():
            raise DownloadError(
                url, f"{algo} checksum mismatch: got {got}, expected {want.lower()}", retryable=True
            )
    problem = check_content(part, kind)
    if problem:
        # A body shorter than announced was caught above, so a bad archive here is what the
        # server holds; only a download without Content-Length may have been cut short.
        raise DownloadError(url, problem, retryable=declared_n is None)
    try:
        os.link(part, dest)
    except FileExistsError as exc:
        raise DownloadError(url, f"{dest} appeared during the download; not overwritten") from exc
    return Downloaded(
        path=dest,
        url=url,
        bytes=size,
        sha256=digests["sha256"],
        content_type=content_type,
        etag=etag,
        last_modified=last_modified,
        attempts=attempt,
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def check_content(path: Path, kind: str) -> str | None:
    """Why the file is not a readable ``kind`` file, or None when it is."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    looks_html = head.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    if kind == "zip":
        if not head.startswith(b"PK"):
            return f"not a zip archive ({_peek(head)})"
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            return f"corrupt or truncated zip archive: {exc}"
        if bad is not None:
            return f"corrupt zip archive: member {bad!r} fails its CRC check"
        return None
    if kind == "gzip":
        if not head.startswith(b"\x1f\x8b"):
            return f"not a gzip file ({_peek(head)})"
        try:
            with gzip.open(path, "rb") as fh:
                while fh.read(CHUNK):
                    pass
        except (OSError, EOFError, zlib.error) as exc:
            return f"corrupt or truncated gzip file: {exc}"
        return None
    if kind in ("csv", "text", "xml", "json"):
        if looks_html:
            return f"expected a {kind} file, got an HTML page ({_peek(head)})"
        if b"\x00" in head:
            return f"expected a {kind} file, got binary content"
    return None


def final_url(url: str, *, policy: RetryPolicy | None = None) -> str:
    """Where ``url`` ends up after redirects (a DOI resolves to its landing page this way)."""
    policy = policy or RetryPolicy()

    def attempt(_n: int) -> str:
        with _open(url, {}, policy.timeout) as resp:
            return resp.geturl()

    return _with_retries(url, policy, attempt)
