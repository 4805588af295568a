"""Accounts end to end: login, own password, the admin's user management, who may read
users, pagination, and every way a token can be bad. Failed logins and their throttles
(per name and per address): test_login_throttling.py."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from .client import (
    LOGIN,
    Server,
    assert_error,
    assert_ok,
    error_code,
    global_id,
    make_token,
    unique_name,
    unique_password,
)

ME = "{ me { id username displayName role } }"
USER_STATE = "query U($id: ID!) { user(id: $id) { id username enabled locked role } }"
CHANGE_PASSWORD = """
mutation ChangePassword($old: String!, $new: String!) {
  changePassword(oldPassword: $old, newPassword: $new)
}"""
CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { id username displayName role enabled phone email }
}"""
DISABLE = "mutation D($id: ID!) { disableUser(id: $id) { id enabled } }"
RESTORE = "mutation R($id: ID!) { restoreUser(id: $id) { id enabled } }"
UNLOCK = "mutation U($id: ID!) { unlockUser(id: $id) { id locked } }"
UPDATE = """
mutation Update($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id displayName role phone email }
}"""
RESET = "mutation P($id: ID!, $pw: String!) { resetPassword(id: $id, newPassword: $pw) { id } }"
USERS_PAGE = """
query Users($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id username } }
    nodes { id }
  }
}"""
STAFF_ROLES = ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER"]


def is_locked(server: Server, user_id: str) -> bool:
    return server.admin(USER_STATE, {"id": user_id})["user"]["locked"]


# -- login --------------------------------------------------------------------------


def test_login_returns_token_and_user(server: Server) -> None:
    user = server.make_user("CUSTOMER_SERVICE", display_name="Li Lei")
    result = assert_ok(server.login_response(user.username, user.password))["login"]
    assert result["token"]
    assert result["expiresAt"]
    assert result["user"] == {"id": user.id, "username": user.username, "role": "CUSTOMER_SERVICE"}
    me = server.data(ME, token=result["token"])["me"]
    assert me == {
        "id": user.id,
        "username": user.username,
        "displayName": "Li Lei",
        "role": "CUSTOMER_SERVICE",
    }


def test_me_of_the_admin(server: Server) -> None:
    me = server.data(ME, token=server.admin_token)["me"]
    assert me["id"] == server.admin_id
    assert me["username"] == server.admin_username
    assert me["role"] == "ADMIN"


def test_unknown_username_is_unauthenticated(server: Server) -> None:
    response = server.login_response(unique_name("nobody"), "whatever-password")
    error = assert_error(response, "UNAUTHENTICATED")
    # The same answer as a wrong password (test_login_throttling.py compares them).
    assert error["message"] == "wrong username or password"
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


# -- own password -------------------------------------------------------------------


def test_change_password(server: Server) -> None:
    user = server.make_user("BACK_OFFICE")
    wrong_old = server.gql(
        CHANGE_PASSWORD, {"old": "not-my-password", "new": "n3w-password"}, user.token
    )
    assert_error(wrong_old, "BAD_USER_INPUT", field="oldPassword")
    too_short = server.gql(CHANGE_PASSWORD, {"old": user.password, "new": "short"}, user.token)
    assert_error(too_short, "BAD_USER_INPUT", field="newPassword")
    same_as_name = server.gql(
        CHANGE_PASSWORD, {"old": user.password, "new": user.username}, user.token
    )
    assert_error(same_as_name, "BAD_USER_INPUT", field="newPassword")
    # None of those changed anything, and none counted towards the lockout.
    assert not is_locked(server, user.id)

    new_password = unique_password()
    changed = server.data(CHANGE_PASSWORD, {"old": user.password, "new": new_password}, user.token)
    assert changed == {"changePassword": True}
    assert_error(server.login_response(user.username, user.password), "UNAUTHENTICATED")
    token = server.login(user.username, new_password)
    assert server.data(ME, token=token)["me"]["id"] == user.id


def test_change_password_needs_a_token(server: Server) -> None:
    response = server.gql(CHANGE_PASSWORD, {"old": "whatever-1", "new": "whatever-2"})
    assert_error(response, "UNAUTHENTICATED")


# -- the admin's user management ----------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_admin_creates_staff_users(server: Server, role: str) -> None:
    username, password = unique_name("staff"), unique_password()
    created = server.admin(
        CREATE_USER,
        {
            "input": {
                "username": username,
                "password": password,
                "role": role,
                "displayName": "Wang Fang",
                "phone": "13800138000",
                "email": f"{username}@example.com",
            }
        },
    )["createUser"]
    assert created["username"] == username
    assert created["role"] == role
    assert created["displayName"] == "Wang Fang"
    assert created["enabled"] is True
    token = server.login(username, password)
    assert server.data(ME, token=token)["me"]["role"] == role


def test_duplicate_username_is_refused(server: Server) -> None:
    user = server.make_user("ENGINEER")
    again = {"username": user.username, "password": unique_password(), "role": "ENGINEER"}
    assert_error(
        server.gql(CREATE_USER, {"input": again}, server.admin_token),
        "BAD_USER_INPUT",
        field="username",
    )


@pytest.mark.parametrize(("role", "field"), [("CUSTOMER", "customerId"), ("AGENT", "agentId")])
def test_customer_and_agent_users_need_their_record(server: Server, role: str, field: str) -> None:
    payload = {"username": unique_name("ext"), "password": unique_password(), "role": role}
    response = server.gql(CREATE_USER, {"input": payload}, server.admin_token)
    assert_error(response, "BAD_USER_INPUT", field=field)


@pytest.mark.parametrize(
    ("password_of", "field"),
    [(lambda name: "short", "password"), (lambda name: name, "password")],
    ids=["too-short", "same-as-username"],
)
def test_create_user_checks_the_password(server: Server, password_of, field: str) -> None:
    username = unique_name("pw")
    payload = {"username": username, "password": password_of(username), "role": "ENGINEER"}
    response = server.gql(CREATE_USER, {"input": payload}, server.admin_token)
    assert_error(response, "BAD_USER_INPUT", field=field)


def test_disable_revokes_at_once_and_restore_lets_them_back(server: Server) -> None:
    user = server.make_user("CUSTOMER_SERVICE", login=True)  # a real login's token
    assert server.data(ME, token=user.token)["me"]["id"] == user.id

    assert server.admin(DISABLE, {"id": user.id})["disableUser"]["enabled"] is False
    assert_error(server.gql(ME, token=user.token), "UNAUTHENTICATED")
    # A disabled account is answered as a wrong password: its password is not confirmed.
    refused = assert_error(server.login_response(user.username, user.password), "UNAUTHENTICATED")
    assert refused["message"] == "wrong username or password"

    assert server.admin(RESTORE, {"id": user.id})["restoreUser"]["enabled"] is True
    token = server.login(user.username, user.password)
    assert server.data(ME, token=token)["me"]["id"] == user.id
    # Restoring does not revive the tokens disabling revoked.
    assert_error(server.gql(ME, token=user.token), "UNAUTHENTICATED")


def test_admin_cannot_disable_themselves(server: Server) -> None:
    response = server.gql(DISABLE, {"id": server.admin_id}, server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert server.data(ME, token=server.admin_token)["me"]["id"] == server.admin_id


def test_update_user(server: Server) -> None:
    user = server.make_user("ENGINEER")
    details = {"displayName": "Zhang Wei", "phone": "13900139000", "email": "zw@example.com"}
    updated = server.admin(UPDATE, {"id": user.id, "input": details})["updateUser"]
    assert {k: updated[k] for k in details} == details
    assert updated["role"] == "ENGINEER"
    # Details are not a reason to log in again...
    assert server.data(ME, token=user.token)["me"]["displayName"] == "Zhang Wei"
    # ...a new role is: it takes effect with a new login.
    server.admin(UPDATE, {"id": user.id, "input": {"role": "BACK_OFFICE"}})
    assert_error(server.gql(ME, token=user.token), "UNAUTHENTICATED")
    token = server.login(user.username, user.password)
    assert server.data(ME, token=token)["me"]["role"] == "BACK_OFFICE"


def test_update_user_changes_only_what_is_given_and_null_clears(server: Server) -> None:
    user = server.make_user("ENGINEER")
    details = {"displayName": "Li Na", "phone": "13900139001", "email": "ln@example.com"}
    server.admin(UPDATE, {"id": user.id, "input": details})
    # Only the phone is given (null): it is cleared, the rest stays.
    updated = server.admin(UPDATE, {"id": user.id, "input": {"phone": None}})["updateUser"]
    assert (updated["displayName"], updated["phone"], updated["email"]) == (
        "Li Na",
        None,
        "ln@example.com",
    )
    # A name cannot be cleared; nothing changes then.
    refused = server.gql(
        UPDATE, {"id": user.id, "input": {"displayName": None}}, server.admin_token
    )
    assert_error(refused, "BAD_USER_INPUT", field="displayName")
    assert_error(
        server.gql(UPDATE, {"id": user.id, "input": {"role": None}}, server.admin_token),
        "BAD_USER_INPUT",
        field="role",
    )
    assert server.data(ME, token=user.token)["me"]["displayName"] == "Li Na"


def test_update_user_refuses_bad_input(server: Server) -> None:
    user = server.make_user("ENGINEER")
    for bad, field in (({"role": "CUSTOMER"}, "customerId"), ({"role": "AGENT"}, "agentId")):
        response = server.gql(UPDATE, {"id": user.id, "input": bad}, server.admin_token)
        assert_error(response, "BAD_USER_INPUT", field=field)
    demote = server.gql(
        UPDATE, {"id": server.admin_id, "input": {"role": "ENGINEER"}}, server.admin_token
    )
    assert_error(demote, "BAD_USER_INPUT", field="role")
    assert server.data(ME, token=server.admin_token)["me"]["role"] == "ADMIN"


def test_reset_password_revokes_tokens(server: Server) -> None:
    # (That it lifts a lock too: test_login_throttling.py.)
    user = server.make_user("ENGINEER", login=True)
    new_password = unique_password()
    server.admin(RESET, {"id": user.id, "pw": new_password})
    assert_error(server.gql(ME, token=user.token), "UNAUTHENTICATED")
    assert not is_locked(server, user.id)
    assert_error(server.login_response(user.username, user.password), "UNAUTHENTICATED")
    token = server.login(user.username, new_password)
    assert server.data(ME, token=token)["me"]["id"] == user.id


def test_reset_password_checks_the_password(server: Server) -> None:
    user = server.make_user("ENGINEER")
    response = server.gql(RESET, {"id": user.id, "pw": "short"}, server.admin_token)
    assert_error(response, "BAD_USER_INPUT", field="newPassword")
    assert server.data(ME, token=user.token)["me"]["id"] == user.id  # not revoked


def test_unknown_user_id_is_not_found(server: Server) -> None:
    ghost = global_id("User", 987654321)
    for mutation in (DISABLE, RESTORE, UNLOCK):
        assert_error(server.gql(mutation, {"id": ghost}, server.admin_token), "NOT_FOUND")
    assert_error(server.gql(USER_STATE, {"id": ghost}, server.admin_token), "NOT_FOUND")
    not_an_id = server.gql(USER_STATE, {"id": "not-an-id"}, server.admin_token)
    assert_error(not_an_id, "BAD_USER_INPUT")
    wrong_type = server.gql(USER_STATE, {"id": global_id("Customer", 1)}, server.admin_token)
    assert_error(wrong_type, "BAD_USER_INPUT")


@pytest.mark.parametrize("role", ["BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER"])
def test_only_admins_manage_users(server: Server, role: str) -> None:
    actor = server.make_user(role)
    victim = server.make_user("ENGINEER")
    attempts = {
        "createUser": (
            CREATE_USER,
            {
                "input": {
                    "username": unique_name("x"),
                    "password": unique_password(),
                    "role": "ADMIN",
                }
            },
        ),
        "disableUser": (DISABLE, {"id": victim.id}),
        "resetPassword": (RESET, {"id": victim.id, "pw": unique_password()}),
        "unlockUser": (UNLOCK, {"id": victim.id}),
        "restoreUser": (RESTORE, {"id": victim.id}),
        "updateUser": (UPDATE, {"id": victim.id, "input": {"role": "ADMIN"}}),
    }
    for name, (mutation, variables) in attempts.items():
        response = server.gql(mutation, variables, actor.token)
        assert error_code(response) == "FORBIDDEN", (name, response)
    # Nothing happened to the victim: their token still works.
    assert server.data(ME, token=victim.token)["me"]["id"] == victim.id
    created = server.admin(
        USERS_PAGE, {"filter": {"search": attempts["createUser"][1]["input"]["username"]}}
    )
    assert created["users"]["totalCount"] == 0


# -- reading users ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"])
def test_office_roles_read_users(server: Server, role: str) -> None:
    reader = server.make_user(role)
    other = server.make_user("ENGINEER")
    page = server.data(USERS_PAGE, {"filter": {"search": other.username}}, reader.token)["users"]
    assert page["totalCount"] == 1
    assert [e["node"]["id"] for e in page["edges"]] == [other.id]
    assert server.data(USER_STATE, {"id": other.id}, reader.token)["user"]["id"] == other.id


def test_engineers_read_only_themselves(server: Server) -> None:
    engineer = server.make_user("ENGINEER")
    other = server.make_user("ENGINEER")
    assert_error(server.gql(USERS_PAGE, {}, engineer.token), "FORBIDDEN")
    assert_error(server.gql(USER_STATE, {"id": other.id}, engineer.token), "FORBIDDEN")
    own = server.data(USER_STATE, {"id": engineer.id}, engineer.token)["user"]
    assert own["username"] == engineer.username


def test_users_filter_by_role_and_enabled(server: Server) -> None:
    tag = unique_name("flt")
    engineer = server.make_user("ENGINEER", username=f"{tag}-e")
    office = server.make_user("BACK_OFFICE", username=f"{tag}-b")
    server.admin(DISABLE, {"id": office.id})

    def ids(filter_: dict) -> set[str]:
        page = server.admin(USERS_PAGE, {"filter": {"search": tag, **filter_}})["users"]
        assert page["totalCount"] == len(page["nodes"])
        return {n["id"] for n in page["nodes"]}

    assert ids({}) == {engineer.id, office.id}
    assert ids({"role": ["ENGINEER"]}) == {engineer.id}
    assert ids({"enabled": False}) == {office.id}
    assert ids({"role": ["BACK_OFFICE"], "enabled": True}) == set()


def test_users_pagination(server: Server) -> None:
    tag = unique_name("page")
    made = [server.make_user("ENGINEER", username=f"{tag}-{i}").id for i in range(5)]
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = server.admin(USERS_PAGE, {"first": 2, "after": after, "filter": {"search": tag}})
        page = page["users"]
        assert page["totalCount"] == 5
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        pages.append(len(page["edges"]))
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 5, "pagination does not end"
    assert pages == [2, 2, 1]
    assert sorted(seen) == sorted(made) and len(set(seen)) == 5

    everything = server.admin(USERS_PAGE, {"first": 100, "filter": {"search": tag}})["users"]
    assert everything["pageInfo"]["hasNextPage"] is False
    assert len(everything["edges"]) == 5

    empty = server.admin(USERS_PAGE, {"first": 0, "filter": {"search": tag}})["users"]
    assert empty["totalCount"] == 5
    assert empty["edges"] == []


@pytest.mark.parametrize(
    "variables",
    [{"first": 101}, {"first": -1}, {"first": 2, "after": "garbage!"}],
    ids=["first-over-100", "negative-first", "bad-cursor"],
)
def test_users_pagination_refuses_bad_arguments(server: Server, variables: dict) -> None:
    assert_error(server.gql(USERS_PAGE, variables, server.admin_token), "BAD_USER_INPUT")


# -- bad tokens ---------------------------------------------------------------------


def _bad_tokens(server: Server, user_id: str) -> dict[str, dict[str, str]]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    assert server.secret_key
    return {
        "missing": {},
        "empty bearer": {"Authorization": "Bearer"},
        "garbage": bearer("garbage"),
        "not bearer": {"Authorization": f"Basic {server.token_for(user_id)}"},
        "another key": bearer(make_token(secrets.token_urlsafe(36), user_id)),
        "expired": bearer(server.token_for(user_id, expires_in=timedelta(minutes=-5))),
        "old version": bearer(server.token_for(user_id, version=0)),
        "unknown user": bearer(server.token_for(987654321)),
        "wrong issuer": bearer(server.token_for(user_id, iss="someone-else")),
        "unsigned": bearer(make_token(None, user_id, algorithm="none")),
    }


def test_bad_tokens_are_unauthenticated(server: Server) -> None:
    user = server.make_user("ADMIN")
    assert server.data(ME, token=user.token)["me"]["id"] == user.id  # the control
    for name, headers in _bad_tokens(server, user.id).items():
        response = server.gql(ME, headers=headers)
        assert error_code(response) == "UNAUTHENTICATED", (name, response)
        assert response.get("data") is None, (name, response)
        # Mutations too, not just queries.
        response = server.gql(DISABLE, {"id": user.id}, headers=headers)
        assert error_code(response) == "UNAUTHENTICATED", (name, response)


def test_login_needs_no_token_even_a_bad_one(server: Server) -> None:
    user = server.make_user("ENGINEER")
    response = server.gql(
        LOGIN,
        {"username": user.username, "password": user.password},
        headers={"Authorization": "Bearer garbage"},
    )
    assert assert_ok(response)["login"]["user"]["id"] == user.id


def test_revocation_reaches_every_server_process(server: Server, server_factory) -> None:
    """Two processes on one database (as behind a load balancer): a token from one
    works on the other, and disabling on one revokes on the other at once."""
    second = server_factory(
        server.backend, DATABASE_URL=server.database_url, SECRET_KEY=server.secret_key
    )
    try:
        user = server.make_user("ENGINEER", login=True)
        assert second.data(ME, token=user.token)["me"]["id"] == user.id
        second.admin(DISABLE, {"id": user.id})
        assert_error(server.gql(ME, token=user.token), "UNAUTHENTICATED")
        assert_error(second.gql(ME, token=user.token), "UNAUTHENTICATED")
    finally:
        second.stop()
