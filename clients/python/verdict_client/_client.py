"""The blocking and the asyncio client. Both send JSON, retry what can be
retried (a full queue, 429, with its Retry-After; a server that is starting
or draining, 503; a gateway error; a connection that fails) on the next
server URL, and raise `VerdictError` for the rest."""

import asyncio
import http.client
import json
import time
import urllib.parse
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Sequence, Union

from ._types import JudgeResult, RunResult

RETRIED = frozenset((429, 502, 503, 504))


class VerdictError(Exception):
    """An answer that is not a success: its HTTP status and verdict's error
    (`code`, `message`, `field`), or a server that could not be reached."""

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None):
        super().__init__("%s (%s%s): %s" % (status, code, ", field " + field if field else "", message))
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    @classmethod
    def from_body(cls, status: int, body: bytes) -> "VerdictError":
        try:
            error = json.loads(body)["error"]
            return cls(status, error.get("code", ""), error.get("message", ""), error.get("field"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(status, "http_error", body[:500].decode("utf-8", "replace"))


def _urls(urls: Union[str, Sequence[str]]) -> List[urllib.parse.SplitResult]:
    listed = [urls] if isinstance(urls, str) else list(urls)
    if not listed:
        raise ValueError("give at least one server URL")
    parsed = []
    for url in listed:
        if "://" not in url:
            url = "http://" + url
        split = urllib.parse.urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError("not an http(s) URL: %r" % url)
        parsed.append(split)
    return parsed


def _retry_after(headers: Dict[str, str], attempt: int, backoff: float, cap: float) -> float:
    value = headers.get("retry-after")
    if value is not None:
        try:
            return min(max(float(value), 0.0), cap)
        except ValueError:
            pass
    return min(backoff * (2 ** attempt), cap)


class _Base:
    def __init__(self, urls: Union[str, Sequence[str]] = "http://127.0.0.1:8080", token: Optional[str] = None,
                 timeout: float = 120.0, retries: int = 4, backoff: float = 0.25, max_wait: float = 30.0):
        self._urls = _urls(urls)
        self._next = 0
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait

    def _headers(self, body: bytes) -> Dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "Content-Length": str(len(body))}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        return headers

    def _url_for(self, attempt: int) -> urllib.parse.SplitResult:
        """The server to try: the current one (a failure moves to the next)."""
        del attempt
        return self._urls[self._next]

    def _advance(self) -> None:
        self._next = (self._next + 1) % len(self._urls)

    @staticmethod
    def _judge_body(code: str, test: Optional[str], entry_point: Optional[str], cases: Optional[list],
                    inputs: Optional[list], expected: Optional[list], language: str, limits: Optional[dict],
                    trace: Any, extra: Dict[str, Any]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"code": code, "language": language}
        for key, value in (("test", test), ("entry_point", entry_point), ("cases", cases), ("inputs", inputs),
                           ("expected", expected), ("limits", limits), ("trace", trace)):
            if value is not None:
                body[key] = value
        body.update(extra)
        return body


class Client(_Base):
    """A blocking client. `urls`: one server URL or several (tried in turn,
    a failed one left for the next); `token`: the bearer token of a server
    started with --token-file; `timeout`: seconds per request; `retries`:
    how many times a retriable failure is tried again."""

    def _connection(self, url: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        return kind(url.hostname, url.port, timeout=self.timeout)

    def _open(self, path: str, payload: Dict[str, Any]):
        body = json.dumps(payload).encode()
        last: Optional[VerdictError] = None
        for attempt in range(self.retries + 1):
            url = self._url_for(attempt)
            connection = self._connection(url)
            try:
                connection.request("POST", url.path.rstrip("/") + path, body=body, headers=self._headers(body))
                response = connection.getresponse()
            except OSError as exc:
                connection.close()
                last = VerdictError(0, "unreachable", "%s: %s" % (url.geturl(), exc))
                self._advance()
                time.sleep(min(self.backoff * (2 ** attempt), self.max_wait))
                continue
            if response.status < 300:
                return connection, response
            data = response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
            connection.close()
            last = VerdictError.from_body(response.status, data)
            if response.status not in RETRIED:
                raise last
            self._advance()
            time.sleep(_retry_after(headers, attempt, self.backoff, self.max_wait))
        assert last is not None
        raise last

    def _post(self, path: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        connection, response = self._open(path, payload)
        try:
            return json.loads(response.read())
        finally:
            connection.close()

    def run(self, code: str, language: str = "python", stdin: Optional[str] = None,
            limits: Optional[dict] = None) -> RunResult:
        """Runs one program (`POST /v1/run`)."""
        body: Dict[str, Any] = {"code": code, "language": language}
        if stdin is not None:
            body["stdin"] = stdin
        if limits is not None:
            body["limits"] = limits
        return RunResult.from_json(self._post("/v1/run", body))

    def judge(self, code: str, *, test: Optional[str] = None, entry_point: Optional[str] = None,
              cases: Optional[list] = None, inputs: Optional[list] = None, expected: Optional[list] = None,
              language: str = "python", limits: Optional[dict] = None, trace: Any = None,
              **extra: Any) -> JudgeResult:
        """Judges one program on check()-style `test` code, stdin/stdout
        `cases` (`[{"stdin", "expected_stdout"}]`), or `inputs` and
        `expected` return values of `entry_point` (`POST /v1/judge`)."""
        body = self._judge_body(code, test, entry_point, cases, inputs, expected, language, limits, trace, extra)
        return JudgeResult.from_json(self._post("/v1/judge", body))

    def evaluate(self, benchmark: str, samples: List[Dict[str, Any]], k: Optional[List[int]] = None,
                 time_limit_ms: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Judges samples of a built-in benchmark (`POST /v1/evaluate`):
        yields `{"index", "row"}` as each sample finishes, then
        `{"summary": ...}`."""
        body: Dict[str, Any] = {"benchmark": benchmark, "samples": samples}
        if k is not None:
            body["k"] = k
        if time_limit_ms is not None:
            body["time_limit_ms"] = time_limit_ms
        connection, response = self._open("/v1/evaluate", body)
        try:
            for line in response:
                line = line.strip()
                if line:
                    yield json.loads(line)
        finally:
            connection.close()

    def run_code(self, code: str, language: str = "python", **fields: Any) -> Dict[str, Any]:
        """SandboxFusion's `POST /run_code`."""
        return self._post("/run_code", dict(fields, code=code, language=language))


class AsyncClient(_Base):
    """The asyncio client: the same methods, awaited (`evaluate` is an
    async iterator). HTTP/1.1 over asyncio streams, one connection per
    request (http:// only)."""

    async def _exchange(self, url: urllib.parse.SplitResult, path: str, body: bytes):
        if url.scheme != "http":
            raise VerdictError(0, "unsupported", "the asyncio client speaks http:// only")
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(url.hostname, url.port or 80), self.timeout)
        head = ["POST %s HTTP/1.1" % (url.path.rstrip("/") + path), "Host: %s" % url.netloc, "Connection: close"]
        head += ["%s: %s" % item for item in self._headers(body).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), self.timeout)
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2:
            writer.close()
            raise OSError("no HTTP answer")
        status = int(parts[1])
        headers: Dict[str, str] = {}
        while True:
            line = await asyncio.wait_for(reader.readline(), self.timeout)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, reader, writer

    async def _body_chunks(self, headers: Dict[str, str], reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = await asyncio.wait_for(reader.readline(), self.timeout)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    await reader.readline()
                    return
                chunk = await asyncio.wait_for(reader.readexactly(size), self.timeout)
                await reader.readline()
                yield chunk
        elif "content-length" in headers:
            yield await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), self.timeout)
        else:
            yield await asyncio.wait_for(reader.read(), self.timeout)

    async def _open(self, path: str, payload: Dict[str, Any]):
        body = json.dumps(payload).encode()
        last: Optional[VerdictError] = None
        for attempt in range(self.retries + 1):
            url = self._url_for(attempt)
            try:
                status, headers, reader, writer = await self._exchange(url, path, body)
            except (OSError, asyncio.TimeoutError, ValueError) as exc:
                last = VerdictError(0, "unreachable", "%s: %s" % (url.geturl(), exc))
                self._advance()
                await asyncio.sleep(min(self.backoff * (2 ** attempt), self.max_wait))
                continue
            if status < 300:
                return headers, reader, writer
            data = b"".join([chunk async for chunk in self._body_chunks(headers, reader)])
            writer.close()
            last = VerdictError.from_body(status, data)
            if status not in RETRIED:
                raise last
            self._advance()
            await asyncio.sleep(_retry_after(headers, attempt, self.backoff, self.max_wait))
        assert last is not None
        raise last

    async def _post(self, path: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        headers, reader, writer = await self._open(path, payload)
        try:
            data = b"".join([chunk async for chunk in self._body_chunks(headers, reader)])
        finally:
            writer.close()
        return json.loads(data)

    async def run(self, code: str, language: str = "python", stdin: Optional[str] = None,
                  limits: Optional[dict] = None) -> RunResult:
        body: Dict[str, Any] = {"code": code, "language": language}
        if stdin is not None:
            body["stdin"] = stdin
        if limits is not None:
            body["limits"] = limits
        return RunResult.from_json(await self._post("/v1/run", body))

    async def judge(self, code: str, *, test: Optional[str] = None, entry_point: Optional[str] = None,
                    cases: Optional[list] = None, inputs: Optional[list] = None, expected: Optional[list] = None,
                    language: str = "python", limits: Optional[dict] = None, trace: Any = None,
                    **extra: Any) -> JudgeResult:
        body = self._judge_body(code, test, entry_point, cases, inputs, expected, language, limits, trace, extra)
        return JudgeResult.from_json(await self._post("/v1/judge", body))

    async def evaluate(self, benchmark: str, samples: List[Dict[str, Any]], k: Optional[List[int]] = None,
                       time_limit_ms: Optional[int] = None) -> AsyncIterator[Dict[str, Any]]:
        body: Dict[str, Any] = {"benchmark": benchmark, "samples": samples}
        if k is not None:
            body["k"] = k
        if time_limit_ms is not None:
            body["time_limit_ms"] = time_limit_ms
        headers, reader, writer = await self._open("/v1/evaluate", body)
        pending = b""
        try:
            async for chunk in self._body_chunks(headers, reader):
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
            if pending.strip():
                yield json.loads(pending)
        finally:
            writer.close()

    async def run_code(self, code: str, language: str = "python", **fields: Any) -> Dict[str, Any]:
        return await self._post("/run_code", dict(fields, code=code, language=language))
