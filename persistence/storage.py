"""Where attachment bytes live: one small interface (`Storage`), two backends.

* `LocalStorage`: files under a directory (development, single-host installs).
* `S3Storage`: an S3 bucket, on AWS or any S3-compatible server (MinIO, Ceph, moto).

Attachments code talks only to `Storage`, so it does not care where the bytes live;
`storage_from_url` picks the backend from configuration.

Guarantees both backends keep:

* Atomic writes: a reader sees the whole new object or none of it (or the old one),
  never a partial one. Local files are written to a temp name in the same directory
  and renamed over the key; S3 objects only appear when a PUT or a multipart upload
  completes, and a failed multipart upload is aborted.
* Streaming: uploads are read from the source file and downloads are yielded in
  bounded chunks (`CHUNK`; an S3 multipart part at most), so a large file never sits in
  memory, and blocking file I/O runs in threads, off the event loop.
* Keys are forward-slash strings (``attachments/2026/12/<uuid>``); the same keys are
  refused by both backends (`check_key`) so code tested on one works on the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import unquote, urlsplit

CHUNK = 256 * 1024
# S3 multipart part size; S3 wants at least 5 MiB for every part but the last. One part is
# the most an S3 upload holds in memory at a time.
PART_SIZE = 8 * 1024 * 1024
S3_MIN_PART_SIZE = 5 * 1024 * 1024
# Local temp files start with this; they are listed by `keys_older_than` like keys, so a
# temp file left by a crash is swept with the orphans.
TEMP_PREFIX = ".part-"


class Storage(Protocol):
    async def start(self) -> None:
        """Opens clients / creates the root directory."""

    async def close(self) -> None: ...

    async def put_file(self, key: str, source: BinaryIO) -> int:
        """Stores `source` from its current position to its end; returns the bytes
        written. Atomic: on failure nothing new is visible under `key`."""
        ...

    async def put_bytes(self, key: str, data: bytes) -> None: ...

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks of at most `CHUNK`; FileNotFoundError (before
        any chunk) when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Removes the object; a missing one is fine."""

    def keys_older_than(self, before: datetime) -> AsyncIterator[str]:
        """Every stored key last modified before `before` (an aware datetime), stale
        local temp files included: the orphan sweep deletes what nothing references."""
        ...


def check_key(key: str) -> str:
    """`key` if it is a safe relative key, else ValueError: no `..`, backslash, NUL,
    leading slash, or empty / `.` segment (each could escape or alias a local path)."""
    if not key or key.startswith("/") or "\\" in key or "\0" in key or ".." in key:
        raise ValueError(f"invalid storage key {key!r}")
    if any(part in ("", ".") for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def _check_writable(key: str) -> str:
    # Names in the temp namespace are the store's own; writing one would be swept as junk.
    if check_key(key).rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
        raise ValueError(f"storage key {key!r} uses the reserved prefix {TEMP_PREFIX!r}")
    return key


def _timestamp(before: datetime) -> float:
    if before.tzinfo is None:
        # A naive datetime would be read as local time: a silent offset in the sweep.
        raise ValueError("keys_older_than needs an aware datetime (UTC)")
    return before.timestamp()


def _read_up_to(source: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes of `source` (fewer only at its end), read CHUNK at a time."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = source.read(min(CHUNK, remaining))
        if not data:
            break
        chunks.append(data)
        remaining -= len(data)
    return b"".join(chunks)


# ---------------------------------------------------------------------------
# Local files.


def _copy_chunk(source: BinaryIO, target: BinaryIO) -> int:
    data = source.read(CHUNK)
    if data:
        target.write(data)
    return len(data)


def _open_temp(path: Path) -> tuple[BinaryIO, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is a rename on one file system.
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(6)}")
    return temp.open("xb"), temp


def _commit(file: BinaryIO, temp: Path, path: Path) -> None:
    file.flush()
    # Without fsync a crash soon after the rename can leave an empty file under the key.
    os.fsync(file.fileno())
    file.close()
    os.replace(temp, path)


def _discard(file: BinaryIO, temp: Path) -> None:
    file.close()
    temp.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    file, temp = _open_temp(path)
    try:
        file.write(data)
        _commit(file, temp, path)
    except BaseException:
        _discard(file, temp)
        raise


def _scan(directory: Path, cutoff: float) -> tuple[list[Path], list[Path]]:
    """(files modified before `cutoff`, subdirectories) of `directory`."""
    old: list[Path] = []
    subdirs: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return old, subdirs  # removed meanwhile, or no root yet: nothing stored there
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                old.append(Path(entry.path))
        except FileNotFoundError:
            continue  # deleted while we looked
    return old, subdirs


class LocalStorage:
    """Files under `root`, one per key (directories made as needed)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    async def put_file(self, key: str, source: BinaryIO) -> int:
        path = self._path(_check_writable(key))
        file, temp = await asyncio.to_thread(_open_temp, path)
        written = 0
        try:
            # One thread hop per chunk: a big file never blocks the loop, and a cancelled
            # upload stops at the next chunk.
            while n := await asyncio.to_thread(_copy_chunk, source, file):
                written += n
            await asyncio.to_thread(_commit, file, temp, path)
        except BaseException:
            # Synchronously: it must run even when cancelled, and is only a close + unlink.
            _discard(file, temp)
            raise
        return written

    async def put_bytes(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(_write_atomic, self._path(_check_writable(key)), data)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except IsADirectoryError:
            raise FileNotFoundError(f"no stored object {key!r}") from None
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                yield chunk
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def keys_older_than(self, before: datetime) -> AsyncIterator[str]:
        cutoff = _timestamp(before)
        # One directory per thread hop: a large tree is neither listed at once nor in
        # one long blocking call.
        pending = [self.root]
        while pending:
            old, subdirs = await asyncio.to_thread(_scan, pending.pop(), cutoff)
            pending.extend(subdirs)
            for path in old:
                yield path.relative_to(self.root).as_posix()


# ---------------------------------------------------------------------------
# S3.


def _error_code(exc: Exception) -> str:
    response: dict[str, Any] = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_missing_key(exc: Exception) -> bool:
    # GetObject says NoSuchKey; HEAD-style answers have no body, so only "404".
    # NoSuchBucket is deliberately not "missing": it is a configuration error.
    return _error_code(exc) in ("NoSuchKey", "404", "NotFound")


class S3Storage:
    """Objects in `bucket` under `prefix` (``<prefix>/<key>``), on AWS (no `endpoint_url`)
    or an S3-compatible server. Credentials: the given pair, else boto's default chain
    (environment, config files, instance role)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        create_bucket: bool = False,
        part_size: int = PART_SIZE,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket")
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both the S3 access key and the secret, or neither")
        if part_size < S3_MIN_PART_SIZE:
            raise ValueError(f"S3 multipart parts must be at least {S3_MIN_PART_SIZE} bytes")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.region = region
        self.create_bucket = create_bucket
        self.part_size = part_size
        self._access_key = access_key
        self._secret_key = secret_key
        self._stack: AsyncExitStack | None = None
        self._client: Any = None

    def __repr__(self) -> str:
        # Never the secret: this ends up in logs.
        where = self.endpoint_url or "aws"
        return f"S3Storage({where!r}, bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @property
    def client(self) -> Any:
        """The open aiobotocore S3 client (for checks and tests)."""
        if self._client is None:
            raise RuntimeError(f"{self!r} is not started")
        return self._client

    async def start(self) -> None:
        if self._client is not None:
            return
        import aioboto3  # only deployments that use S3 pay for importing boto
        from aiobotocore.config import AioConfig

        options: dict[str, Any] = {"retries": {"mode": "standard", "max_attempts": 3}}
        if self.endpoint_url:
            # Other S3 servers: path-style URLs (no per-bucket DNS names), and checksums
            # only where S3 demands them (botocore >= 1.36 adds them to every request,
            # which some of these servers reject).
            options |= {
                "s3": {"addressing_style": "path"},
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
        stack = AsyncExitStack()
        try:
            self._client = await stack.enter_async_context(
                aioboto3.Session().client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id=self._access_key,
                    aws_secret_access_key=self._secret_key,
                    config=AioConfig(**options),
                )
            )
            if self.create_bucket:
                await self._ensure_bucket()
        except BaseException:
            self._client = None
            await stack.aclose()
            raise
        self._stack = stack

    async def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":  # us-east-1 refuses an explicit location
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await self._client.create_bucket(**args)
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":  # another process won the race
                raise

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def put_file(self, key: str, source: BinaryIO) -> int:
        name = self._name(_check_writable(key))
        client = self.client
        # Manual multipart rather than upload_fileobj: one part in memory at a time (its
        # queue can hold many), reads in threads, a byte count, and an abort we control.
        part = await asyncio.to_thread(_read_up_to, source, self.part_size)
        if len(part) < self.part_size:
            await client.put_object(Bucket=self.bucket, Key=name, Body=part)
            return len(part)
        upload = await client.create_multipart_upload(Bucket=self.bucket, Key=name)
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        written = 0
        try:
            while part:
                number = len(parts) + 1
                answer = await client.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
                written += len(part)
                part = await asyncio.to_thread(_read_up_to, source, self.part_size)
            await client.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            # The parts are invisible but billed until aborted. Best effort: the original
            # error is the one to report.
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id
                )
            raise
        return written

    async def put_bytes(self, key: str, data: bytes) -> None:
        await self.client.put_object(
            Bucket=self.bucket, Key=self._name(_check_writable(key)), Body=data
        )

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        name = self._name(key)
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing_key(exc):
                raise FileNotFoundError(f"no stored object {key!r}") from None
            raise
        body = answer["Body"]
        # The context releases the HTTP connection even when the reader stops early.
        async with body:
            async for chunk in body.iter_chunks(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        # S3's DeleteObject already succeeds for a missing key.
        await self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    async def keys_older_than(self, before: datetime) -> AsyncIterator[str]:
        _timestamp(before)
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                if item["LastModified"] < before:
                    yield item["Key"][len(start) :]


# ---------------------------------------------------------------------------
# Configuration.

URL_FORMS = "s3://bucket[/prefix] or http(s)://[access_key:secret@]host[:port]/bucket[/prefix]"


def storage_from_url(
    files_dir: Path,
    s3_url: str | None,
    region: str = "us-east-1",
    *,
    create_bucket: bool = False,
) -> Storage:
    """The storage configured by `s3_url`:

    * None (or blank): `LocalStorage(files_dir)`;
    * ``s3://bucket[/prefix]``: AWS S3, credentials from boto's default chain;
    * ``http(s)://[access_key:secret@]host[:port]/bucket[/prefix]``: an S3-compatible
      server at ``http(s)://host:port``; credentials from the URL (percent-decoded),
      else the default chain.

    ValueError for anything else; its message never repeats the URL (it may hold a secret).
    """
    if s3_url is None or not s3_url.strip():
        return LocalStorage(files_dir)
    try:
        parts = urlsplit(s3_url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"storage URL is malformed ({exc}); expected {URL_FORMS}") from None
    scheme = parts.scheme.lower()
    if parts.query or parts.fragment:
        raise ValueError(f"storage URL takes no query or fragment; expected {URL_FORMS}")

    if scheme == "s3":
        if "@" in parts.netloc or ":" in parts.netloc:
            raise ValueError(
                "s3:// storage URLs name only a bucket (credentials come from "
                f"the environment); expected {URL_FORMS}"
            )
        bucket, prefix = parts.netloc, parts.path
        endpoint = access_key = secret_key = None
    elif scheme in ("http", "https"):
        host = parts.hostname
        if not host:
            raise ValueError(f"storage URL has no host; expected {URL_FORMS}")
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        endpoint = f"{scheme}://{host}" + (f":{port}" if port is not None else "")
        bucket, _, prefix = parts.path.lstrip("/").partition("/")
        access_key = unquote(parts.username) if parts.username else None
        secret_key = unquote(parts.password) if parts.password else None
        if (access_key is None) != (secret_key is None):
            raise ValueError(
                "storage URL must give both access key and secret (key:secret@) or neither"
            )
    else:
        raise ValueError(
            f"unsupported storage URL scheme {scheme or '(none)'!r}; expected {URL_FORMS}"
        )

    if not bucket:
        raise ValueError(f"storage URL names no bucket; expected {URL_FORMS}")
    prefix = prefix.strip("/")
    if prefix:
        try:
            check_key(prefix)
        except ValueError:
            raise ValueError(f"storage URL has an invalid key prefix {prefix!r}") from None
    return S3Storage(
        bucket,
        prefix,
        endpoint_url=endpoint,
        region=region,
        access_key=access_key,
        secret_key=secret_key,
        create_bucket=create_bucket,
    )
