"""A client for verdict's HTTP API (`verdict serve`): `Client` (blocking) and
`AsyncClient` (asyncio), for /v1/run, /v1/judge, /v1/evaluate (streamed) and
/run_code, with retries that honour Retry-After, timeouts, a bearer token and
several server URLs. Standard library only.

    from verdict_client import Client
    client = Client("http://127.0.0.1:8080")
    client.run("print(1)").stdout                     # '1\\n'
    client.judge("def f(x):\\n    return x\\n", inputs=[[1]], expected=[1], entry_point="f").passed
"""

from ._client import AsyncClient, Client, VerdictError
from ._types import JudgeResult, RunResult

__all__ = ["AsyncClient", "Client", "JudgeResult", "RunResult", "VerdictError"]
