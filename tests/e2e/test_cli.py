"""The `aftersales` command line against a real database of each backend."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .client import clean_env, run_cli, unique_name, unique_password

pytestmark = pytest.mark.runs_long(100)


@dataclass
class Cli:
    env: dict[str, str]
    cwd: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, env=self.env, cwd=self.cwd)

    def create_user(
        self, username: str, password: str, role: str = "ADMIN"
    ) -> subprocess.CompletedProcess[str]:
        return self("create-user", "--username", username, "--password", password, "--role", role)


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    text = output(done)
    assert done.returncode != 0, text
    assert "Traceback" not in text, text
    for word in words:
        assert word in text, text


@pytest.fixture(scope="module")
def cli(
    backend: str,
    make_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Cli:
    """The command line on a fresh database of `backend`, migrated once."""
    env = clean_env(
        DATABASE_URL=make_database(backend),
        ENVIRONMENT="test",
        SECRET_KEY=secrets.token_urlsafe(36),
    )
    runner = Cli(env=env, cwd=tmp_path_factory.mktemp(f"cli-{backend}"))
    done = runner("migrate")
    assert done.returncode == 0, output(done)
    return runner


def test_migrate_is_idempotent(cli: Cli) -> None:
    # The fixture migrated once; create-user migrates again, then a third time here.
    username = unique_name("keep")
    created = cli.create_user(username, unique_password())
    assert created.returncode == 0, output(created)
    again = cli("migrate")
    assert again.returncode == 0, output(again)
    assert "up to date" in again.stdout
    # The data survived the re-runs: the name is still taken.
    assert_refused(cli.create_user(username, unique_password()), "already taken")


def test_create_user_on_an_empty_database_migrates_it(
    backend: str, make_database: Callable[[str], str], tmp_path: Path
) -> None:
    env = clean_env(
        DATABASE_URL=make_database(backend),
        ENVIRONMENT="test",
        SECRET_KEY=secrets.token_urlsafe(36),
    )
    done = Cli(env=env, cwd=tmp_path).create_user(unique_name("first"), unique_password())
    assert done.returncode == 0, output(done)
    assert "created ADMIN user" in done.stdout


def test_create_staff_user(cli: Cli) -> None:
    # ADMIN is covered above; each run costs a second, so one other staff role.
    username = unique_name("staff")
    done = cli.create_user(username, unique_password(), "customer_service")
    assert done.returncode == 0, output(done)
    assert f"created CUSTOMER_SERVICE user '{username}'" in done.stdout


def test_create_user_refuses_a_short_password(cli: Cli) -> None:
    assert_refused(cli.create_user(unique_name("short"), "short"), "at least 8 characters")


def test_create_user_refuses_the_username_as_password(cli: Cli) -> None:
    username = unique_name("same")
    assert_refused(cli.create_user(username, username), "username")


def test_create_user_refuses_a_duplicate_username(cli: Cli) -> None:
    username = unique_name("dup")
    first = cli.create_user(username, unique_password())
    assert first.returncode == 0, output(first)
    assert_refused(cli.create_user(username, unique_password(), "ENGINEER"), "already taken")


def test_create_user_refuses_a_bad_username(cli: Cli) -> None:
    assert_refused(cli.create_user("no spaces allowed", unique_password()), "username")


@pytest.mark.parametrize("role", ["CUSTOMER", "AGENT"])
def test_create_user_refuses_customer_and_agent_roles(cli: Cli, role: str) -> None:
    assert_refused(cli.create_user(unique_name("ext"), unique_password(), role), "createUser")


def test_create_user_refuses_an_unknown_role(cli: Cli) -> None:
    assert_refused(cli.create_user(unique_name("role"), unique_password(), "KING"))


def test_unlock_user_refuses_an_unknown_name(cli: Cli) -> None:
    # (That it lifts a wait at once, audited: test_login_throttling.py.)
    assert_refused(cli("unlock-user", "--username", unique_name("nobody")), "no user named")


def test_unlock_user_of_an_unlocked_account_is_harmless(cli: Cli) -> None:
    username = unique_name("Calm")
    assert cli.create_user(username, unique_password()).returncode == 0
    done = cli("unlock-user", "--username", username.lower())
    assert done.returncode == 0, output(done)
    assert f"unlocked '{username}'" in done.stdout


def test_create_user_refuses_a_username_taken_in_another_case(cli: Cli) -> None:
    username = unique_name("Dup-Case")
    first = cli.create_user(username, unique_password())
    assert first.returncode == 0, output(first)
    assert_refused(cli.create_user(username.upper(), unique_password()), "already taken")
