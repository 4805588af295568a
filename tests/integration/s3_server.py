"""A local S3: moto's server mode in a subprocess, a real HTTP endpoint for aioboto3.

A separate process rather than moto's in-process mocks (or its threaded server), so the
code under test goes through real HTTP and nothing is patched in this process. One server
per test session (per xdist worker); each test should use its own key prefix.

Use in a test module (tests/ is no package: pytest puts it on sys.path, so from another
test package it is ``from integration.s3_server import s3_url``)::

    from .s3_server import s3_url  # noqa: F401

    async def test_something(s3_url: str) -> None:
        storage = storage_from_url(tmp, s3_url + "/my-test")
        ...

`s3_url` is ``http://test:test@127.0.0.1:<port>/<bucket>/<prefix>`` with the bucket
already created.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import BinaryIO

import pytest

BUCKET = "aftersales-test"
PREFIX = "files"
ACCESS_KEY = SECRET_KEY = "test"
REGION = "us-east-1"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it is serving
    except OSError:
        return False


async def _create_bucket(endpoint: str) -> None:
    import aioboto3

    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ) as client:
        await client.create_bucket(Bucket=BUCKET)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start(log: BinaryIO) -> tuple[subprocess.Popen[bytes], str]:
    """(the server process, its endpoint) once it answers. The free port may be taken
    between finding and binding it, so a server that exits at once is tried again."""
    for _ in range(3):
        endpoint = f"http://127.0.0.1:{free_port()}"
        port = endpoint.rsplit(":", 1)[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-p", port, "-H", "127.0.0.1"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(endpoint):
                return process, endpoint
            time.sleep(0.05)
        _stop(process)
    log.seek(0)
    output = log.read().decode(errors="replace")[-3000:]
    pytest.fail(f"moto server did not start:\n{output}", pytrace=False)


@pytest.fixture(scope="session")
def s3_url() -> Iterator[str]:
    with tempfile.TemporaryFile() as log:
        process, endpoint = _start(log)
        try:
            # A sync fixture: asyncio.run is safe (no event loop runs during its setup).
            asyncio.run(_create_bucket(endpoint))
            netloc = endpoint.removeprefix("http://")
            yield f"http://{ACCESS_KEY}:{SECRET_KEY}@{netloc}/{BUCKET}/{PREFIX}"
        finally:
            _stop(process)
