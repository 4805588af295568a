"""Logins per NIST SP 800-63B, end to end: a login never tells whether a name exists
(unknown names, wrong passwords and disabled accounts get byte-identical answers, and
unknown names lock as known ones do); failures are throttled per name (LOGIN_ATTEMPTS
in a row, then a wait of LOCKOUT_MINUTES that doubles on repeats) and per address
(LOGIN_IP_ATTEMPTS per window, then RATE_LIMITED), never into a permanent lock; an
admin's unlockUser and `aftersales unlock-user` lift a wait at once; usernames are
one whatever their case.

Most tests share one server per backend whose address limit is out of the way
(`logins`); the address limit is tested on servers of its own. How a wait expires is
tested with a clock in tests/unit/test_lockout.py; here a wait is moved into the past
in the database (the server reads the time, it cannot be told another), to see that
the server starts a new count and remembers the repeat."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update

from persistence.db import make_engine
from persistence.models.accounts import LoginThrottle, User
from persistence.types import utcnow

from .client import (
    LOGIN,
    Server,
    assert_error,
    assert_ok,
    error_code,
    run_cli,
    unique_name,
    unique_password,
)

pytestmark = pytest.mark.runs_long(90)

LIMIT = 5  # LOGIN_ATTEMPTS default
WAIT = 15 * 60  # LOCKOUT_MINUTES default, in seconds
WRONG = "wrong username or password"

USER_STATE = "query U($id: ID!) { user(id: $id) { id username locked } }"
UNLOCK = "mutation U($id: ID!) { unlockUser(id: $id) { id locked } }"
DISABLE = "mutation D($id: ID!) { disableUser(id: $id) { id enabled } }"
CHANGE_PASSWORD = """
mutation C($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }"""
RESET = "mutation P($id: ID!, $pw: String!) { resetPassword(id: $id, newPassword: $pw) { id } }"
CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id username } }"""
AUDIT = """
query A($filter: AuditFilter) {
  auditLog(first: 10, filter: $filter) { edges { node { operation actor { id } recordIds } } }
}"""


@pytest.fixture(scope="module")
def logins(backend: str, server_factory: Callable[..., Server]) -> Server:
    """A server of this module's own: every test here fails logins from one address,
    far more than the default LOGIN_IP_ATTEMPTS allows in a window."""
    return server_factory(backend, LOGIN_IP_ATTEMPTS="100000")


def answer(server: Server, username: str, password: str) -> tuple[int, bytes]:
    """A login's HTTP status and body, byte for byte."""
    response = server.post(LOGIN, {"username": username, "password": password})
    return response.status_code, response.content


def refusal(server: Server, username: str, password: str) -> dict[str, Any]:
    """The one error of a refused login."""
    response = server.login_response(username, password)
    assert response.get("data") is None, response
    (error,) = response["errors"]
    return error


def without_wait(error: dict[str, Any]) -> dict[str, Any]:
    """An error with its retryAfter taken out (the seconds left tick between answers)."""
    extensions = {k: v for k, v in error["extensions"].items() if k != "retryAfter"}
    return {**error, "extensions": extensions}


def lock(server: Server, username: str) -> dict[str, Any]:
    """Fails LIMIT logins in a row on `username`; returns the answer to the last."""
    for _ in range(LIMIT - 1):
        assert refusal(server, username, "wrong-password")["extensions"] == {
            "code": "UNAUTHENTICATED"
        }
    error = refusal(server, username, "wrong-password")
    assert error["extensions"]["code"] == "ACCOUNT_LOCKED", error
    return error


def is_locked(server: Server, user_id: str) -> bool:
    return server.admin(USER_STATE, {"id": user_id})["user"]["locked"]


def expire_wait(server: Server, username: str) -> None:
    """Moves the name's wait (and its copy on the account) into the past, as if
    LOCKOUT_MINUTES had gone by."""
    past = utcnow() - timedelta(seconds=1)

    async def run() -> None:
        engine = make_engine(server.database_url)
        try:
            async with engine.begin() as connection:
                done = await connection.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.name_key == username.lower())
                    .values(locked_until=past)
                )
                assert done.rowcount == 1, "the name has no throttle row"
                await connection.execute(
                    update(User)
                    .where(func.lower(User.username) == username.lower())
                    .values(locked_until=past)
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


# -- one answer for every name -----------------------------------------------------------


def test_unknown_name_and_wrong_password_get_byte_identical_answers(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    known = answer(logins, user.username, "wrong-password")
    unknown = answer(logins, unique_name("nobody"), "wrong-password")
    assert known == unknown
    _status, body = known
    decoded = json.loads(body)
    assert decoded["errors"][0]["message"] == WRONG
    assert decoded["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}  # no tries left


def test_a_disabled_account_with_its_password_answers_as_a_wrong_password(
    logins: Server,
) -> None:
    user = logins.make_user("CUSTOMER_SERVICE")
    logins.admin(DISABLE, {"id": user.id})
    right = answer(logins, user.username, user.password)
    wrong = answer(logins, user.username, "wrong-password")
    unknown = answer(logins, unique_name("nobody"), "wrong-password")
    assert right == wrong == unknown
    # It counts as a failure too: the right password cannot be told apart by the lock.
    for _ in range(LIMIT - 3):
        assert_error(logins.login_response(user.username, user.password), "UNAUTHENTICATED")
    assert_error(logins.login_response(user.username, user.password), "ACCOUNT_LOCKED")


def test_unknown_and_known_names_lock_alike(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    ghost = unique_name("ghost")
    known_lock, unknown_lock = lock(logins, user.username), lock(logins, ghost)
    assert without_wait(known_lock) == without_wait(unknown_lock)
    for error in (known_lock, unknown_lock):
        assert error["extensions"]["code"] == "ACCOUNT_LOCKED"
        assert WAIT - 60 <= error["extensions"]["retryAfter"] <= WAIT
        assert "remainingAttempts" not in error["extensions"]
    # While waiting, every password gets the same answer, the right one too.
    waiting = [
        refusal(logins, user.username, user.password),
        refusal(logins, user.username, "wrong-again"),
        refusal(logins, ghost, "wrong-again"),
    ]
    assert len({json.dumps(without_wait(e), sort_keys=True) for e in waiting}) == 1
    assert without_wait(waiting[0]) == without_wait(known_lock)
    assert all(0 < e["extensions"]["retryAfter"] <= WAIT for e in waiting)
    assert is_locked(logins, user.id)


# -- per name ------------------------------------------------------------------------------


def test_a_successful_login_resets_the_count(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    logins.login(user.username, user.password)
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    assert not is_locked(logins, user.id)
    assert_error(logins.login_response(user.username, "wrong-password"), "ACCOUNT_LOCKED")


def test_the_right_password_on_the_last_try_gets_in(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    token = logins.login(user.username, user.password)
    assert logins.data("{ me { id } }", token=token)["me"]["id"] == user.id
    assert not is_locked(logins, user.id)


def test_a_wait_that_is_over_starts_a_new_count_and_a_repeat_waits_twice_as_long(
    logins: Server,
) -> None:
    user = logins.make_user("ENGINEER")
    first = lock(logins, user.username)
    assert WAIT - 60 <= first["extensions"]["retryAfter"] <= WAIT

    expire_wait(logins, user.username)
    assert not is_locked(logins, user.id)
    # A new count of LIMIT failures, then a second wait: twice the first.
    second = lock(logins, user.username)
    assert 2 * WAIT - 60 <= second["extensions"]["retryAfter"] <= 2 * WAIT

    # After a success, the next wait is a first one again.
    expire_wait(logins, user.username)
    logins.login(user.username, user.password)
    third = lock(logins, user.username)
    assert WAIT - 60 <= third["extensions"]["retryAfter"] <= WAIT


def test_the_same_holds_for_an_unknown_name(logins: Server) -> None:
    ghost = unique_name("ghost")
    lock(logins, ghost)
    expire_wait(logins, ghost)
    second = lock(logins, ghost)
    assert 2 * WAIT - 60 <= second["extensions"]["retryAfter"] <= 2 * WAIT


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
async def test_parallel_wrong_logins_check_at_most_the_limit(logins: Server, known: bool) -> None:
    """20 wrong passwords at once on one name: each attempt is counted before its
    password is checked, so exactly LIMIT passwords are checked (LIMIT - 1 wrong ones
    answered UNAUTHENTICATED, the last locking the name) and every other attempt is
    refused unchecked, the same for a name that exists and one that does not."""
    name = logins.make_user("ENGINEER").username if known else unique_name("ghost")
    body = {"query": LOGIN, "variables": {"username": name, "password": "bad-guess-1"}}
    async with logins.async_http() as http:
        responses = await asyncio.gather(*(http.post("/graphql", json=body) for _ in range(20)))
    codes = Counter(error_code(r.json()) for r in responses)
    assert codes == {"UNAUTHENTICATED": LIMIT - 1, "ACCOUNT_LOCKED": 20 - (LIMIT - 1)}, codes


def test_aliased_logins_check_one_password_per_request(logins: Server) -> None:
    """Ten guesses in one request (within the alias limit): the first refusal ends the
    mutation, so one password was checked and one attempt counted."""
    user = logins.make_user("ENGINEER")
    guesses = [f"guess-{i}-xx" for i in range(9)] + [user.password]
    fields = " ".join(
        f'g{i}: login(username: "{user.username}", password: "{guess}") {{ token }}'
        for i, guess in enumerate(guesses)
    )
    response = logins.gql(f"mutation {{ {fields} }}")
    assert [e["extensions"]["code"] for e in response["errors"]] == ["UNAUTHENTICATED"]
    assert not (response.get("data") or {}).get("g9"), "a guess after a refusal ran"
    # One counted: LIMIT - 2 more are checked and refused, then the name waits.
    for _ in range(LIMIT - 2):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    assert_error(logins.login_response(user.username, "wrong-password"), "ACCOUNT_LOCKED")


def test_wrong_old_passwords_count_as_failed_logins(logins: Server) -> None:
    """changePassword checks the old password as a login does: a stolen token cannot
    guess it without limit."""
    user = logins.make_user("ENGINEER")

    def change(old: str) -> dict[str, Any]:
        variables = {"old": old, "new": unique_password()}
        return logins.gql(CHANGE_PASSWORD, variables, user.token)

    for _ in range(LIMIT - 1):
        assert_error(change("not-my-password"), "BAD_USER_INPUT", field="oldPassword")
    assert_error(change("not-my-password"), "ACCOUNT_LOCKED")
    assert_error(change(user.password), "ACCOUNT_LOCKED")  # nothing is checked now
    assert_error(logins.login_response(user.username, user.password), "ACCOUNT_LOCKED")
    assert is_locked(logins, user.id)

    logins.admin(UNLOCK, {"id": user.id})
    new_password = unique_password()
    variables = {"old": user.password, "new": new_password}
    assert logins.data(CHANGE_PASSWORD, variables, user.token) == {"changePassword": True}
    logins.login(user.username, new_password)


def test_a_password_change_forgets_failed_logins(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    new_password = unique_password()
    variables = {"old": user.password, "new": new_password}
    assert logins.data(CHANGE_PASSWORD, variables, user.token) == {"changePassword": True}
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")
    logins.login(user.username, new_password)


# -- lifting a wait ------------------------------------------------------------------------


def test_an_admin_unlocks_at_once_and_it_is_audited(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    lock(logins, user.username)
    assert is_locked(logins, user.id)
    assert_error(logins.login_response(user.username, user.password), "ACCOUNT_LOCKED")

    assert logins.admin(UNLOCK, {"id": user.id})["unlockUser"] == {"id": user.id, "locked": False}
    assert not is_locked(logins, user.id)
    token = logins.login(user.username, user.password)
    assert logins.data("{ me { id } }", token=token)["me"]["id"] == user.id
    # The count starts from the top again.
    for _ in range(LIMIT - 1):
        assert_error(logins.login_response(user.username, "wrong-password"), "UNAUTHENTICATED")

    entries = logins.admin(AUDIT, {"filter": {"operation": "unlockUser", "recordId": user.id}})
    nodes = [e["node"] for e in entries["auditLog"]["edges"]]
    assert [(n["operation"], n["actor"]["id"]) for n in nodes] == [("unlockUser", logins.admin_id)]


def test_unlock_user_on_the_command_line_lifts_it_at_once(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    lock(logins, user.username)
    # Any spelling of the name.
    done = run_cli(
        "unlock-user", "--username", user.username.upper(), env=logins.env, cwd=logins.workdir
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"unlocked '{user.username}'" in done.stdout
    assert not is_locked(logins, user.id)
    logins.login(user.username, user.password)

    entries = logins.admin(AUDIT, {"filter": {"operation": "unlockUser", "recordId": user.id}})
    nodes = [e["node"] for e in entries["auditLog"]["edges"]]
    assert [(n["operation"], n["actor"]) for n in nodes] == [("unlockUser", None)]


def test_reset_password_unlocks(logins: Server) -> None:
    user = logins.make_user("ENGINEER")
    lock(logins, user.username)
    new_password = unique_password()
    logins.admin(RESET, {"id": user.id, "pw": new_password})
    assert not is_locked(logins, user.id)
    assert_error(logins.login_response(user.username, user.password), "UNAUTHENTICATED")
    logins.login(user.username, new_password)


def test_the_admin_is_never_locked_for_good(logins: Server) -> None:
    """Anyone can make an admin's name wait (that is the throttle), but only for a
    while, and another admin lifts it at once."""
    admin = logins.make_user("ADMIN")
    lock(logins, admin.username)
    assert_error(logins.login_response(admin.username, admin.password), "ACCOUNT_LOCKED")
    expire_wait(logins, admin.username)
    logins.login(admin.username, admin.password)


# -- usernames in any case -----------------------------------------------------------------


def test_login_matches_the_name_in_any_case(logins: Server) -> None:
    spelled = unique_name("Case-User")
    user = logins.make_user("ENGINEER", username=spelled)
    for spelling in (spelled, spelled.lower(), spelled.upper(), f"  {spelled.upper()} "):
        result = assert_ok(logins.login_response(spelling, user.password))["login"]
        # The stored spelling is kept.
        assert result["user"] == {"id": user.id, "username": spelled, "role": "ENGINEER"}


def test_every_spelling_of_a_name_counts_towards_one_wait(logins: Server) -> None:
    user = logins.make_user("ENGINEER", username=unique_name("Mixed"))
    spellings = [user.username.lower(), user.username.upper(), user.username]
    for i in range(LIMIT - 1):
        name = spellings[i % len(spellings)]
        assert_error(logins.login_response(name, "wrong-password"), "UNAUTHENTICATED")
    assert_error(logins.login_response(user.username.swapcase(), "wrong-pw"), "ACCOUNT_LOCKED")
    assert_error(logins.login_response(user.username.lower(), user.password), "ACCOUNT_LOCKED")


def test_usernames_are_unique_whatever_their_case(logins: Server) -> None:
    user = logins.make_user("ENGINEER", username=unique_name("Demo-Admin"))
    for taken in (user.username.upper(), user.username.lower()):
        payload = {"username": taken, "password": unique_password(), "role": "ENGINEER"}
        response = logins.gql(CREATE_USER, {"input": payload}, logins.admin_token)
        assert_error(response, "BAD_USER_INPUT", field="username")
    done = run_cli(
        "create-user",
        "--username",
        user.username.upper(),
        "--password",
        unique_password(),
        "--role",
        "ADMIN",
        env=logins.env,
        cwd=logins.workdir,
    )
    assert done.returncode != 0 and "already taken" in done.stderr, done.stdout + done.stderr


async def test_parallel_creation_of_one_name_in_two_cases_makes_one(logins: Server) -> None:
    """The check before the insert races; the unique index on lower(username) does not."""
    base = unique_name("race")
    spellings = [base.lower(), base.upper(), base.title(), base.swapcase()] * 2
    async with logins.async_http() as http:
        responses = await asyncio.gather(
            *(
                http.post(
                    "/graphql",
                    json={
                        "query": CREATE_USER,
                        "variables": {
                            "input": {
                                "username": name,
                                "password": unique_password(),
                                "role": "ENGINEER",
                            }
                        },
                    },
                    headers={"Authorization": f"Bearer {logins.admin_token}"},
                )
                for name in spellings
            )
        )
    answers = [r.json() for r in responses]
    made = [a for a in answers if not a.get("errors")]
    assert len(made) == 1, answers
    assert all(error_code(a) == "BAD_USER_INPUT" for a in answers if a.get("errors")), answers


# -- per address ---------------------------------------------------------------------------


def test_an_address_over_its_limit_is_rate_limited(
    backend: str, server_factory: Callable[..., Server]
) -> None:
    """LOGIN_IP_ATTEMPTS failed logins per window from one address, whatever the names;
    then RATE_LIMITED for every name, known or not, right password or not, and no
    name is counted. A successful login is not a failure: it gives its attempt back."""
    server = server_factory(backend, LOGIN_IP_ATTEMPTS="3")
    try:
        user = server.make_user("ENGINEER")
        # Successes in between never use the address's allowance up.
        for _ in range(3):
            server.login(user.username, user.password)
        for name in (unique_name("spray"), unique_name("spray"), user.username):
            assert_error(server.login_response(name, "wrong-password"), "UNAUTHENTICATED")
        limited = [
            refusal(server, unique_name("spray"), "wrong-password"),
            refusal(server, user.username, "wrong-password"),
            refusal(server, user.username, user.password),
        ]
        for error in limited:
            assert error["extensions"]["code"] == "RATE_LIMITED", error
            assert 0 < error["extensions"]["retryAfter"] <= WAIT
        assert len({json.dumps(without_wait(e), sort_keys=True) for e in limited}) == 1
        assert limited[0]["message"] == "too many failed logins from this address; try again later"
        # Unlocking the name lifts nothing of the address.
        server.admin(UNLOCK, {"id": user.id})
        assert error_code(server.login_response(user.username, user.password)) == "RATE_LIMITED"
    finally:
        server.stop()


def test_addresses_are_counted_apart(backend: str, server_factory: Callable[..., Server]) -> None:
    """Behind a trusted proxy (FORWARDED_ALLOW_IPS) each client address has its own
    allowance: one address spraying names does not stop the others."""
    server = server_factory(backend, LOGIN_IP_ATTEMPTS="2", FORWARDED_ALLOW_IPS="127.0.0.1")

    def from_(address: str, username: str, password: str) -> dict[str, Any]:
        variables = {"username": username, "password": password}
        return server.gql(LOGIN, variables, headers={"X-Forwarded-For": address})

    try:
        user = server.make_user("ENGINEER")
        for _ in range(2):
            assert_error(from_("203.0.113.7", unique_name("spray"), "pw-x"), "UNAUTHENTICATED")
        assert_error(from_("203.0.113.7", unique_name("spray"), "pw-x"), "RATE_LIMITED")
        assert_error(from_("203.0.113.7", user.username, user.password), "RATE_LIMITED")
        # Another address is not held back, by failures or by the right password.
        assert_error(from_("198.51.100.9", unique_name("spray"), "pw-x"), "UNAUTHENTICATED")
        assert_ok(from_("198.51.100.9", user.username, user.password))
        assert_ok(from_("2001:db8::1", user.username, user.password))
    finally:
        server.stop()


def test_parallel_logins_from_one_address_check_at_most_its_limit(
    backend: str, server_factory: Callable[..., Server]
) -> None:
    """20 logins at once on 20 names from one address: each is counted against the
    address before anything is checked, so exactly LOGIN_IP_ATTEMPTS are checked."""
    server = server_factory(backend, LOGIN_IP_ATTEMPTS="3")

    async def burst() -> list[dict[str, Any]]:
        names = [unique_name("spray") for _ in range(20)]
        async with server.async_http() as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        "/graphql",
                        json={"query": LOGIN, "variables": {"username": n, "password": "pw-x"}},
                    )
                    for n in names
                )
            )
        return [r.json() for r in responses]

    try:
        codes = Counter(error_code(a) for a in asyncio.run(burst()))
        assert codes == {"UNAUTHENTICATED": 3, "RATE_LIMITED": 17}, codes
    finally:
        server.stop()
