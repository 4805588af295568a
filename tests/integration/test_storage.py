"""The attachment file store (persistence.storage), every test on both backends:

* ``local``: `LocalStorage` in a temporary directory;
* ``s3``: `S3Storage` against moto's S3 server (a real HTTP endpoint, see s3_server.py),
  each test under its own key prefix.

Plus S3-only tests (multipart uploads, bucket creation) and the parsing of storage URLs.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest

from persistence.storage import (
    CHUNK,
    S3_MIN_PART_SIZE,
    TEMP_PREFIX,
    LocalStorage,
    S3Storage,
    Storage,
    storage_from_url,
)

from .s3_server import s3_url  # noqa: F401


def new_key(suffix: str = "") -> str:
    return f"attachments/2026/12/{uuid.uuid4()}{suffix}"


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None for the local backend, else an S3 URL with a prefix of this test's own.
    Sync, so that the moto server (a sync session fixture) starts outside the loop, and
    only when an S3 test runs."""
    if request.param == "local":
        return None
    base = request.getfixturevalue("s3_url")
    return f"{base}/t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def storage(storage_url: str | None, tmp_path: Path) -> AsyncIterator[Storage]:
    store = storage_from_url(tmp_path / "files", storage_url)
    await store.start()
    yield store
    await store.close()


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.stream(key)])


async def all_keys(storage: Storage, before: datetime) -> set[str]:
    return {key async for key in storage.keys_older_than(before)}


def spooled(data: bytes, *, lead: bytes = b"") -> BinaryIO:
    """What the upload handler hands over: a spooled temp file, positioned after `lead`."""
    # Handed over open, as the upload handler does; closed when collected.
    source = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    source.write(lead + data)
    source.seek(len(lead))
    return cast(BinaryIO, source)


class FailingSource(io.RawIOBase):
    """Reads `data`, then raises once `fail_after` bytes have been read."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        self._data = io.BytesIO(data)
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._data.tell() >= self._fail_after:
            raise OSError("client went away")
        return self._data.read(size)


class PausingSource(io.RawIOBase):
    """Gives its first chunk, then blocks (in the storage's reader thread) until released."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.paused = threading.Event()
        self.release = threading.Event()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._data.tell() > 0 and not self.release.is_set():
            self.paused.set()
            assert self.release.wait(10), "never released"
        return self._data.read(size)


# ---------------------------------------------------------------------------
# Both backends.


async def test_put_file_round_trip(storage: Storage) -> None:
    data = os.urandom(3 * 1024 * 1024 + 12345)
    key = new_key()
    # From the source's current position: the lead is not stored.
    written = await storage.put_file(key, spooled(data, lead=b"ignored lead"))
    assert written == len(data)

    chunks = [chunk async for chunk in storage.stream(key)]
    assert chunks
    assert max(len(chunk) for chunk in chunks) <= CHUNK
    assert b"".join(chunks) == data


async def test_put_bytes_and_overwrite(storage: Storage) -> None:
    key = new_key(".thumb")
    await storage.put_bytes(key, b"first")
    assert await read_all(storage, key) == b"first"
    await storage.put_bytes(key, b"second, longer")
    assert await read_all(storage, key) == b"second, longer"
    await storage.put_bytes(key, b"")
    assert await read_all(storage, key) == b""


async def test_stream_missing_key(storage: Storage) -> None:
    chunks = storage.stream(new_key())
    with pytest.raises(FileNotFoundError):
        await anext(chunks)


async def test_delete_is_idempotent(storage: Storage) -> None:
    key = new_key()
    await storage.put_bytes(key, b"x" * 10)
    await storage.delete(key)
    with pytest.raises(FileNotFoundError):
        await read_all(storage, key)
    await storage.delete(key)
    await storage.delete(new_key())  # never existed


async def test_keys_older_than(storage: Storage) -> None:
    before_writes = datetime.now(UTC) - timedelta(minutes=5)
    keys = {new_key(), new_key(".thumb")}
    for key in keys:
        await storage.put_bytes(key, b"data")

    assert await all_keys(storage, datetime.now(UTC) + timedelta(minutes=5)) == keys
    assert await all_keys(storage, before_writes) == set()

    with pytest.raises(ValueError, match="aware"):
        await all_keys(storage, datetime.now())  # naive: ambiguous


async def test_failed_put_file_leaves_nothing(storage: Storage) -> None:
    data = os.urandom(3 * CHUNK)
    key = new_key()
    with pytest.raises(OSError, match="client went away"):
        await storage.put_file(key, cast(BinaryIO, FailingSource(data, fail_after=2 * CHUNK)))
    with pytest.raises(FileNotFoundError):
        await read_all(storage, key)

    # Over an existing object the old one stays whole.
    await storage.put_bytes(key, b"old")
    with pytest.raises(OSError, match="client went away"):
        await storage.put_file(key, cast(BinaryIO, FailingSource(data, fail_after=CHUNK)))
    assert await read_all(storage, key) == b"old"

    # Nothing else left behind (local: not even the temp file).
    assert await all_keys(storage, datetime.now(UTC) + timedelta(minutes=5)) == {key}
    if isinstance(storage, LocalStorage):
        files = [p for p in storage.root.rglob("*") if p.is_file()]
        assert [p.relative_to(storage.root).as_posix() for p in files] == [key]


async def test_not_visible_while_written(storage: Storage) -> None:
    import asyncio

    key = new_key()
    data = os.urandom(2 * CHUNK + 7)
    source = PausingSource(data)
    task = asyncio.create_task(storage.put_file(key, cast(BinaryIO, source)))
    try:
        assert await asyncio.to_thread(source.paused.wait, 10)
        with pytest.raises(FileNotFoundError):
            await read_all(storage, key)
    finally:
        source.release.set()
    assert await task == len(data)
    assert await read_all(storage, key) == data


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../outside", "a/../../b", "a/..", "a\\b", "a//b", "./a", "a/./b", "a/"],
)
async def test_bad_keys_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        await storage.put_bytes(key, b"x")
    with pytest.raises(ValueError):
        await storage.put_file(key, spooled(b"x"))
    with pytest.raises(ValueError):
        await anext(storage.stream(key))
    with pytest.raises(ValueError):
        await storage.delete(key)


async def test_temp_names_are_reserved(storage: Storage) -> None:
    with pytest.raises(ValueError, match="reserved"):
        await storage.put_bytes(f"attachments/{TEMP_PREFIX}x", b"x")


# ---------------------------------------------------------------------------
# Local only.


async def test_local_mtimes_and_stale_temp_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    await storage.start()
    old_key, new_key_ = new_key(), new_key()
    await storage.put_bytes(old_key, b"old")
    await storage.put_bytes(new_key_, b"new")
    day_ago = time.time() - 86400
    os.utime(storage.root / old_key, (day_ago, day_ago))
    # A temp file a crashed upload left behind is listed (and deletable) like a key.
    stale = storage.root / "attachments" / "2026" / "12" / f"{TEMP_PREFIX}abandoned.123"
    stale.write_bytes(b"partial")
    os.utime(stale, (day_ago, day_ago))
    stale_key = stale.relative_to(storage.root).as_posix()

    cutoff = datetime.now(UTC) - timedelta(hours=1)
    assert await all_keys(storage, cutoff) == {old_key, stale_key}
    await storage.delete(stale_key)
    assert not stale.exists()
    assert await all_keys(storage, cutoff) == {old_key}


async def test_local_keys_older_than_without_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "never-made")
    assert await all_keys(storage, datetime.now(UTC)) == set()


async def test_local_traversal_stays_inside(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    await storage.start()
    outside = tmp_path / "secret.txt"
    outside.write_text("keep")
    for key in ("../secret.txt", "a/../../secret.txt", str(outside), "..\\secret.txt"):
        with pytest.raises(ValueError):
            await storage.delete(key)
        with pytest.raises(ValueError):
            await anext(storage.stream(key))
    assert outside.read_text() == "keep"


# ---------------------------------------------------------------------------
# S3 only.


async def test_s3_multipart_round_trip_and_abort(
    s3_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    storage = storage_from_url(tmp_path, f"{s3_url}/mp-{uuid.uuid4().hex[:8]}")
    assert isinstance(storage, S3Storage)
    storage.part_size = S3_MIN_PART_SIZE  # smallest parts S3 takes: three parts here
    await storage.start()
    try:
        data = os.urandom(2 * S3_MIN_PART_SIZE + 1000)
        key = new_key()
        assert await storage.put_file(key, spooled(data)) == len(data)
        chunks = [chunk async for chunk in storage.stream(key)]
        assert max(len(chunk) for chunk in chunks) <= CHUNK
        assert b"".join(chunks) == data

        # Failing after a part was uploaded: the upload is aborted, nothing visible.
        failed = new_key()
        source = FailingSource(data, fail_after=S3_MIN_PART_SIZE + CHUNK)
        with pytest.raises(OSError, match="client went away"):
            await storage.put_file(failed, cast(BinaryIO, source))
        with pytest.raises(FileNotFoundError):
            await read_all(storage, failed)
        uploads: dict[str, Any] = await storage.client.list_multipart_uploads(
            Bucket=storage.bucket, Prefix=storage.prefix
        )
        assert uploads.get("Uploads", []) == []
    finally:
        await storage.close()


async def test_s3_create_bucket(s3_url: str, tmp_path: Path) -> None:  # noqa: F811
    base, _, _ = s3_url.rpartition("/")  # .../<bucket>
    base, _, _ = base.rpartition("/")
    url = f"{base}/made-{uuid.uuid4().hex[:8]}/p"
    for _ in range(2):  # the second start finds the bucket there
        storage = storage_from_url(tmp_path, url, create_bucket=True)
        await storage.start()
        try:
            await storage.put_bytes("k", b"v")
            assert await read_all(storage, "k") == b"v"
        finally:
            await storage.close()


async def test_s3_missing_bucket_is_not_a_missing_key(s3_url: str, tmp_path: Path) -> None:  # noqa: F811
    base = s3_url.rsplit("/", 2)[0]
    storage = storage_from_url(tmp_path, f"{base}/no-such-bucket-{uuid.uuid4().hex[:8]}")
    await storage.start()
    try:
        with pytest.raises(Exception) as raised:
            await anext(storage.stream("k"))
        assert not isinstance(raised.value, FileNotFoundError)
    finally:
        await storage.close()


# ---------------------------------------------------------------------------
# storage_from_url (no server).


def test_url_none_is_local(tmp_path: Path) -> None:
    for url in (None, "", "  "):
        storage = storage_from_url(tmp_path, url)
        assert isinstance(storage, LocalStorage)
        assert storage.root == tmp_path


@pytest.mark.parametrize(
    ("url", "endpoint", "bucket", "prefix", "access_key", "secret_key"),
    [
        ("s3://bucket", None, "bucket", "", None, None),
        ("s3://bucket/", None, "bucket", "", None, None),
        ("s3://my-bucket/a/b/", None, "my-bucket", "a/b", None, None),
        ("http://minio:9000/files", "http://minio:9000", "files", "", None, None),
        ("http://minio:9000/files/att", "http://minio:9000", "files", "att", None, None),
        ("HTTPS://s3.example.com/b/x/y", "https://s3.example.com", "b", "x/y", None, None),
        (
            "http://AK:s%2Fe%40cret@127.0.0.1:5000/b/p",
            "http://127.0.0.1:5000",
            "b",
            "p",
            "AK",
            "s/e@cret",
        ),
        ("http://[::1]:9000/b", "http://[::1]:9000", "b", "", None, None),
    ],
)
def test_url_parsing(
    tmp_path: Path,
    url: str,
    endpoint: str | None,
    bucket: str,
    prefix: str,
    access_key: str | None,
    secret_key: str | None,
) -> None:
    storage = storage_from_url(tmp_path, url, region="eu-central-1")
    assert isinstance(storage, S3Storage)
    assert (storage.endpoint_url, storage.bucket, storage.prefix) == (endpoint, bucket, prefix)
    assert (storage._access_key, storage._secret_key) == (access_key, secret_key)
    assert storage.region == "eu-central-1"
    assert storage.create_bucket is False
    if secret_key:
        assert secret_key not in repr(storage)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://ak:topsecret@host/b", "scheme"),
        ("bucket/prefix", "scheme"),
        ("s3://", "no bucket"),
        ("s3://ak:topsecret@bucket", "only a bucket"),
        ("http://minio:9000", "no bucket"),
        ("http://minio:9000/", "no bucket"),
        ("http:///b", "no host"),
        ("http://ak@minio:9000/b", "both"),
        ("http://:topsecret@minio:9000/b", "both"),
        ("http://minio:99999/b", "malformed"),
        ("http://minio:9000/b?region=x", "query"),
        ("s3://bucket/../up", "prefix"),
    ],
)
def test_bad_urls(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        storage_from_url(tmp_path, url)
    assert "topsecret" not in str(raised.value)
