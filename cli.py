"""The `aftersales` command line: serve, migrate, create-user, seed-demo."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import func, select

from domain import passwords
from domain.errors import DomainError
from domain.roles import Role
from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import User
from settings import Settings, get_settings

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
        ws_ping_interval=20,
        ws_ping_timeout=20,
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
        from resolvers.users import check_username

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
    engine = make_engine(settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if await session.scalar(select(User.id).where(User.username == username)):
                return False
            session.add(
                User(
                    username=username,
                    display_name=display_name,
                    role=role.value,
                    password_hash=passwords.hash_password(password),
                    enabled=True,
                    failed_logins=0,
                    token_version=1,
                )
            )
        return True
    finally:
        await engine.dispose()


async def _user_count() -> int:
    engine = make_engine(settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await session.scalar(select(func.count()).select_from(User)) or 0
    finally:
        await engine.dispose()


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load a small believable data set: staff of every role, customers with devices."""
    from persistence.demo import seed

    url = settings().database_url
    migrations.upgrade(url)
    typer.echo(asyncio.run(seed(url)))


def main() -> None:
    cli()
