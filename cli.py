"""The `aftersales` command line: serve, migrate, create-user, unlock-user, seed-demo,
import-parts."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import func, select

from domain.accounts import passwords
from domain.errors import DomainError
from domain.roles import Role
from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import User
from persistence.unit_of_work import unit_of_work
from settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from domain.parts.imports import Table
    from domain.roles import Actor
    from persistence.unit_of_work import UnitOfWork
    from resolvers.parts.imports import ImportSummary

cli = typer.Typer(help="Aftersales: after-sales service platform.", no_args_is_help=True)


def settings() -> Settings:
    """The settings, or a one-line refusal naming what is wrong (no traceback)."""
    try:
        return get_settings()
    except ValidationError as exc:
        reasons = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
        typer.echo(f"refused: bad settings: {reasons}", err=True)
        raise typer.Exit(2) from None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first.")] = True,
) -> None:
    """Run the GraphQL server (GraphiQL at /graphql outside production)."""
    import uvicorn

    from realtime.sockets import MAX_MESSAGE_BYTES

    config = settings()
    if migrate:
        migrations.upgrade(config.database_url)
    if asyncio.run(_user_count()) == 0:
        typer.echo(
            "No user yet. Create the first administrator with:\n"
            "  .venv/bin/aftersales create-user --username admin --password 'a-long-password' "
            "--role ADMIN"
        )
    typer.echo(f"GraphQL on http://{host}:{port}/graphql")
    uvicorn.run(
        "app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=config.log_level.lower(),
        # Websockets (realtime.sockets, realtime.ws_protocol): uvicorn's protocol, parsed
        # a slice per loop turn; messages of 1 MiB at most; a peer that does not answer
        # a ping within the send timeout is dropped.
        ws="realtime.ws_protocol:WebSocketProtocol",
        ws_max_size=min(config.max_body_bytes, MAX_MESSAGE_BYTES),
        ws_ping_interval=20,
        ws_ping_timeout=config.ws_send_timeout_seconds,
        # X-Forwarded-For / -Proto are believed only from FORWARDED_ALLOW_IPS (by default
        # from nobody: uvicorn's own default trusts 127.0.0.1, i.e. any local client).
        proxy_headers=bool(config.forwarded_allow_ips.strip()),
        forwarded_allow_ips=config.forwarded_allow_ips.strip() or None,
    )


@cli.command()
def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply database migrations (DATABASE_URL)."""
    migrations.upgrade(settings().database_url, revision)
    typer.echo("database is up to date")


@cli.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    role: Annotated[Role, typer.Option(help="One of the six roles.", case_sensitive=False)],
    display_name: Annotated[str | None, typer.Option(help="Shown name.")] = None,
) -> None:
    """Create a staff user directly in the database (the first ADMIN, typically).

    CUSTOMER and AGENT users belong to a customer or agent: an admin creates them
    through the `createUser` mutation."""
    if role in (Role.CUSTOMER, Role.AGENT):
        typer.echo(
            f"refused: a {role} user belongs to a record; create it with the createUser mutation",
            err=True,
        )
        raise typer.Exit(2)
    try:
        passwords.check_new_password(password, username=username)
        from resolvers.accounts.users import check_username

        username = check_username(username)
    except DomainError as exc:
        typer.echo(f"refused: {exc.message}", err=True)
        raise typer.Exit(2) from None
    migrations.upgrade(settings().database_url)
    created = asyncio.run(_insert_user(username, password, role, display_name or username))
    if not created:
        typer.echo(f"refused: username {username!r} is already taken", err=True)
        raise typer.Exit(1)
    typer.echo(f"created {role} user {username!r}")


async def _insert_user(username: str, password: str, role: Role, display_name: str) -> bool:
    """Through the one service that makes accounts (resolvers.accounts.users.add_user),
    audited as createUser by nobody (the command line)."""
    from resolvers.accounts.users import NewAccount, add_user

    engine = make_engine(settings().database_url)
    account = NewAccount(username=username, password=password, role=role, display_name=display_name)
    try:
        async with unit_of_work(
            make_sessionmaker(engine), actor_id=None, operation="createUser", ip=None
        ) as work:
            work.detail = {"via": "aftersales create-user"}
            await add_user(work, account)
        return True
    except DomainError as exc:
        if exc.extensions.get("field") == "username" and "taken" in exc.message:
            return False
        raise
    finally:
        await engine.dispose()


async def _user_count() -> int:
    engine = make_engine(settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await session.scalar(select(func.count()).select_from(User)) or 0
    finally:
        await engine.dispose()


@cli.command("unlock-user")
def unlock_user(
    username: Annotated[str, typer.Option(help="Login name (any case).")],
) -> None:
    """Lift at once the wait that failed logins put on an account (audited as unlockUser)."""
    url = settings().database_url
    migrations.upgrade(url)
    unlocked = asyncio.run(_unlock_user(url, username))
    if unlocked is None:
        typer.echo(f"refused: no user named {username.strip()!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"unlocked {unlocked!r}: it may log in again now")


async def _unlock_user(url: str, username: str) -> str | None:
    """Through the service the unlockUser mutation uses (resolvers.accounts.users.lift_lock),
    by nobody (the command line); the account's username, or None if there is none."""
    from persistence.queries.accounts import by_username
    from resolvers.accounts.users import lift_lock

    engine = make_engine(url)
    try:
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            user = await by_username(session, username)
        if user is None:
            return None
        async with unit_of_work(
            sessionmaker, actor_id=None, operation="unlockUser", ip=None
        ) as work:
            work.detail = {"via": "aftersales unlock-user"}
            await lift_lock(work, user.id)
        return user.username
    finally:
        await engine.dispose()


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load a small believable data set once, through the real operations: staff of every
    role, customers with devices, parts with stock, tickets at several stages."""
    from resolvers.demo import DemoError, summary

    config = settings()
    migrations.upgrade(config.database_url)
    try:
        loaded = asyncio.run(_seed_demo(config))
    except DemoError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(summary() if loaded else "demo data already present")


async def _seed_demo(config: Settings) -> bool:
    """`resolvers.demo.seed_demo` in-process. Its tokens are signed with a throwaway key:
    they never leave this process, and no server would accept them."""
    import secrets

    from resolvers.context import Services
    from resolvers.demo import seed_demo as load

    engine = make_engine(config.database_url)
    try:
        services = Services(
            settings=config,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            signing_key=secrets.token_urlsafe(48),
        )
        return await load(services)
    finally:
        await engine.dispose()


@cli.command("run-jobs")
def run_jobs(
    once: Annotated[
        bool, typer.Option("--once", help="One pass of every job, then exit (for cron).")
    ] = False,
) -> None:
    """Run the jobs (SLA clocks, automatic close, ...) as the server does every
    JOB_INTERVAL_SECONDS: exactly one process acts per job and tick, whatever else runs."""
    config = settings()
    migrations.upgrade(config.database_url)
    failed = asyncio.run(_run_jobs(config, once))
    raise typer.Exit(1 if failed else 0)


async def _run_jobs(config: Settings, once: bool) -> bool:
    import secrets

    from persistence.storage import storage_from_url
    from resolvers.automation.jobs import JOBS
    from resolvers.automation.runner import JobRunner
    from resolvers.context import Services

    engine = make_engine(config.database_url)
    # The orphan sweep looks at the stored files too.
    storage = storage_from_url(config.files_dir, config.files_s3_url, config.files_s3_region)
    await storage.start()
    try:
        services = Services(
            settings=config,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            signing_key=secrets.token_urlsafe(48),
            storage=storage,
        )
        runner = JobRunner(services, JOBS, config.job_interval_seconds)
        if not once:
            await runner.start()
            await asyncio.Event().wait()
        failed = False
        for report in await runner.run_once():
            if not report.ran:
                typer.echo(f"{report.job}: tick {report.tick} taken by another process")
                continue
            failed = failed or not report.ok
            outcome = "ok" if report.ok else "FAILED"
            typer.echo(f"{report.job}: {outcome}, {report.processed} processed ({report.detail})")
        return failed
    finally:
        await storage.close()
        await engine.dispose()


# Bigger than any 20,000-row export; a guard against pointing the command at the wrong file.
MAX_IMPORT_BYTES = 50 * 1024 * 1024


@cli.command(
    "import-parts",
    help="Import parts and their stock from a Kingdee K3 export (CSV or XLSX).\n\n"
    "New part numbers create parts with their opening stock; known ones get the catalogue "
    "fields the file gives and are counted to its quantity (stocktake adjustments). All rows "
    "or none: any bad row is reported with its row number and nothing is written.",
)
def import_parts(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV (UTF-8 or GBK) or .xlsx export of the ERP's parts.",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    as_user: Annotated[
        str,
        typer.Option(
            "--as", help="Username of the ADMIN or BACK_OFFICE user the import is recorded under."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
) -> None:
    """The file through `resolvers.part_import.import_parts`, as the `--as` user."""
    from domain.parts.import_files import read_file
    from resolvers.parts.imports import MAX_ROWS_CLI

    if file.stat().st_size > MAX_IMPORT_BYTES:
        typer.echo(f"refused: {file} is larger than {MAX_IMPORT_BYTES // 2**20} MB", err=True)
        raise typer.Exit(1)
    url = settings().database_url
    migrations.upgrade(url)
    try:
        table = read_file(file.read_bytes(), max_rows=MAX_ROWS_CLI)
        summary = asyncio.run(_import_parts(url, as_user, table, dry_run, file.name))
    except DomainError as exc:
        rows = exc.extensions.get("rows")
        if not rows:
            typer.echo(f"refused: {exc.message}", err=True)
            raise typer.Exit(1) from None
        for row in rows:
            typer.echo(f"row {row['row']}: {row['reason']}", err=True)
        count = exc.extensions.get("errorCount", len(rows))
        if count > len(rows):
            typer.echo(f"... and {count - len(rows)} more", err=True)
        noun = "error" if count == 1 else "errors"
        typer.echo(f"refused: nothing imported from {file.name}: {count} {noun}", err=True)
        raise typer.Exit(1) from None
    done = "checked (dry run, nothing written)" if summary.dry_run else "imported"
    typer.echo(
        f"{done} {summary.rows} rows of {file.name}: {summary.created} parts created, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.stock_adjusted} stock adjustments"
    )


async def _import_parts(
    url: str, username: str, table: Table, dry_run: bool, source: str
) -> ImportSummary:
    from persistence.queries.accounts import by_username
    from resolvers.context import actor_of
    from resolvers.parts.imports import MAX_ROWS_CLI, import_parts

    engine = make_engine(url)
    try:
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            user = await by_username(session, username)
        if user is None or not user.enabled or user.is_deleted:
            raise DomainError(f"no enabled user named {username!r} (--as)")
        return await import_parts(
            _CliWriter(sessionmaker),
            actor_of(user),
            table,
            max_rows=MAX_ROWS_CLI,
            dry_run=dry_run,
            source=source,
        )
    finally:
        await engine.dispose()


class _CliWriter:
    """Units of work for the command line: `Context.write` without a request (no ip;
    the servers' relays pick the events up from the table on their next poll)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    def write(
        self, operation: str, *, actor: Actor | None
    ) -> AbstractAsyncContextManager[UnitOfWork]:
        from persistence.unit_of_work import unit_of_work

        return unit_of_work(
            self.sessionmaker,
            actor_id=actor.user_id if actor else None,
            operation=operation,
            ip=None,
        )


def main() -> None:
    cli()
