"""Downloads from upstream publishers that either land whole and verified, or not at all.

Every connector fetches through :func:`download` (files) or :func:`fetch_json` (API and catalogue
answers). Requests go through urllib3, whose ``Retry`` drives the retries; this module adds the
checks a data refresh needs on top.

What a download guarantees:

* **timeouts** — ``RetryPolicy.timeout`` bounds the connection and every read;
* **retries with exponential backoff** on timeouts, dropped or truncated connections, HTTP 408,
  425, 429 and 5xx, one budget of ``RetryPolicy.attempts`` for all of them; a ``Retry-After``
  header (seconds or an HTTP date) is honoured, and one that asks for longer than
  ``RetryPolicy.max_retry_after`` fails at once instead of stalling a run; 401, 403 and 404 are
  answers, not accidents, and are never retried;
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

import gzip
import hashlib
import json
import os
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import urllib3
from urllib3.exceptions import (
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ResponseError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from orchestration.upstream.retry import PolicyRetry, RetryPolicy

USER_AGENT = "critical-minerals-briefing/0.1 (open-data refresh; urllib3)"
CHUNK = 1 << 20
T = TypeVar("T")

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


def _content_type(headers: Mapping[str, str]) -> str | None:
    raw = headers.get("Content-Type")
    return raw.split(";", 1)[0].strip().lower() if raw else None


def _peek(body: bytes) -> str:
    text = body[:80].decode("utf-8", errors="replace")
    return "starts " + repr(" ".join(text.split()))


def _describe_status(resp: Any, policy: RetryPolicy) -> str:
    body = resp.read(300, decode_content=True) or b""
    text = f"HTTP {resp.status} {resp.reason or ''}".rstrip()
    snippet = body.decode("utf-8", errors="replace").strip()
    if snippet:
        text += f" ({' '.join(snippet.split())[:200]})"
    if resp.status in (401, 403):
        text += "; the server refused the credentials or the resource is not public"
    asked = resp.retries.get_retry_after(resp) if isinstance(resp.retries, PolicyRetry) else None
    if asked is not None and asked > policy.max_retry_after:
        text += (
            f"; the server asks to retry after {asked:.0f} s, longer than "
            f"the {policy.max_retry_after:.0f} s a refresh waits"
        )
    return text


def _network_reason(exc: BaseException) -> str:
    """What went wrong on the wire, in a few words."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, NewConnectionError):  # a subclass of the timeout errors, so first
        return f"network error ({exc})"
    if isinstance(exc, Urllib3Timeout):
        return "timed out"
    if isinstance(exc, ProtocolError):
        cause = exc.args[1] if len(exc.args) > 1 else exc
        return f"connection dropped ({cause!r})"
    return f"{exc.__class__.__name__}: {exc}"


def _with_retries(
    url: str,
    headers: Mapping[str, str],
    policy: RetryPolicy,
    handle: Callable[[Any, int], T],
    *,
    decode: bool = True,
) -> T:
    """GET ``url`` and return ``handle(response, attempt)`` for the first 2xx answer.

    urllib3 retries connection failures and retryable statuses itself; a failure while the body
    is read, or a :class:`DownloadError` marked ``retryable`` from ``handle`` (a checksum
    mismatch, a truncated archive), is counted on the same ``Retry`` and the request made again.
    """
    retries = policy.retry()
    timeout = urllib3.Timeout(connect=policy.timeout, read=policy.timeout)
    while True:
        with urllib3.PoolManager(headers={"User-Agent": USER_AGENT}) as pool:
            try:
                resp = pool.request(
                    "GET",
                    url,
                    headers=dict(headers),
                    retries=retries,
                    timeout=timeout,
                    preload_content=False,
                    decode_content=decode,
                )
            except MaxRetryError as exc:
                # Out of attempts, unless redirects ran out (then the failures so far count).
                redirects = isinstance(exc.reason, ResponseError)
                attempts = retries.failures + 1 if redirects else policy.attempts
                raise DownloadError(url, _network_reason(exc), attempts=attempts) from exc
            except HTTPError as exc:  # not retryable at all (a malformed URL, say)
                raise DownloadError(
                    url, _network_reason(exc), attempts=retries.failures + 1
                ) from exc
            state = resp.retries if isinstance(resp.retries, PolicyRetry) else retries
            attempt = state.failures + 1
            try:
                if resp.status == 304:
                    raise NotModified(url)
                if resp.status >= 300:
                    raise DownloadError(
                        url, _describe_status(resp, policy), attempts=attempt, status=resp.status
                    )
                return handle(resp, attempt)
            except HTTPError as exc:
                failure = DownloadError(url, _network_reason(exc), retryable=True)
                cause: BaseException = exc
            except DownloadError as exc:
                if not exc.retryable:
                    if exc.attempts == attempt:
                        raise
                    raise DownloadError(
                        url, exc.reason, attempts=attempt, status=exc.status
                    ) from exc
                failure, cause = exc, exc
            finally:
                resp.release_conn()
        try:
            error = cause if isinstance(cause, HTTPError) else ResponseError(failure.reason)
            retries = state.increment("GET", url, error=error)
        except MaxRetryError:
            raise DownloadError(
                url, failure.reason, attempts=attempt, status=failure.status
            ) from cause
        retries.sleep()


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

    def handle(resp: Any, _attempt: int) -> Any:
        kind = _content_type(resp.headers)
        _declared_size(resp, full, max_bytes)
        body = resp.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise DownloadError(full, f"more than the {max_bytes:,}-byte limit")
        if kind is not None and kind not in CONTENT_TYPES["json"]:
            raise DownloadError(full, f"expected JSON, the server sent {kind} ({_peek(body)})")
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DownloadError(full, f"answer is not valid JSON: {exc}") from exc

    return _with_retries(full, {"Accept": "application/json", **(headers or {})}, policy, handle)


def _declared_size(resp: Any, url: str, max_bytes: int) -> int | None:
    """The announced Content-Length; an announcement over ``max_bytes`` stops the download."""
    declared = resp.headers.get("Content-Length")
    n = int(declared) if declared and declared.isdigit() else None
    if n is not None and n > max_bytes:
        raise DownloadError(url, f"{n:,} bytes announced, over the {max_bytes:,}-byte limit")
    return n


def _truncated(size: int, declared: int) -> str:
    return f"truncated: {size:,} of {declared:,} announced bytes arrived"


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

    def handle(resp: Any, attempt: int) -> Downloaded:
        try:
            return _save(
                resp, full, dest, part, kind, max_bytes, expected_size, expected_digests, attempt
            )
        finally:
            part.unlink(missing_ok=True)

    # The bytes are kept as served: a .gz file labelled Content-Encoding: gzip stays gzipped.
    return _with_retries(full, request_headers, policy, handle, decode=False)


def _save(
    resp, url, dest, part, kind, max_bytes, expected_size, expected_digests, attempt
) -> Downloaded:
    content_type = _content_type(resp.headers)
    if (
        kind != "any"
        and content_type is not None
        and content_type not in CONTENT_TYPES.get(kind, ())
    ):
        raise DownloadError(
            url,
            f"expected a {kind} file, the server sent {content_type} "
            f"({_peek(resp.read(200))}); not saved",
        )
    declared = _declared_size(resp, url, max_bytes)
    size = 0
    with open(part, "wb") as out:
        for block in resp.stream(CHUNK):
            size += len(block)
            if size > max_bytes:
                raise DownloadError(
                    url, f"more than the {max_bytes:,}-byte limit; download stopped"
                )
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    if declared is not None and size != declared:
        raise DownloadError(url, _truncated(size, declared), retryable=True)
    if expected_size is not None and size != expected_size:
        raise DownloadError(
            url,
            f"size mismatch: got {size:,} bytes, the publisher lists {expected_size:,}",
            retryable=True,
        )
    with open(part, "rb") as fh:
        digests = {"sha256": hashlib.file_digest(fh, "sha256").hexdigest()}
    for algo, want in (expected_digests or {}).items():
        algo = algo.lower()
        if algo == "md5":
            with open(part, "rb") as fh:
                digests["md5"] = hashlib.file_digest(
                    fh, lambda: hashlib.md5(usedforsecurity=False)
                ).hexdigest()
        got = digests.get(algo)
        if got is not None and got != want.lower():
            raise DownloadError(
                url, f"{algo} checksum mismatch: got {got}, expected {want.lower()}", retryable=True
            )
    problem = check_content(part, kind)
    if problem:
        # A body shorter than announced was caught above, so a bad archive here is what the
        # server holds; only a download without Content-Length may have been cut short.
        raise DownloadError(url, problem, retryable=declared is None)
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
        etag=resp.headers.get("ETag"),
        last_modified=resp.headers.get("Last-Modified"),
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

    def handle(resp: Any, _attempt: int) -> str:
        where = url
        for step in resp.retries.history if resp.retries else ():
            if step.redirect_location:
                where = urllib.parse.urljoin(where, step.redirect_location)
        return where

    return _with_retries(url, {}, policy or RetryPolicy(), handle)
