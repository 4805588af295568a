"""Accounts: login, own password, and the admin's user management."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from strawberry import UNSET

from domain import policy, validation
from domain.accounts import lockout, passwords
from domain.errors import (
    AccountLocked,
    BadUserInput,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
)
from domain.events import EventFacts, EventType
from domain.policy import Action
from domain.roles import Role
from persistence.events import NewEvent
from persistence.models import Agent, Customer, User
from persistence.queries import accounts as user_rows
from persistence.types import utcnow
from resolvers.accounts.tokens import issue_token
from resolvers.context import Context, actor_of
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.pagination import paginate
from resolvers.records import apply_changes, changed_fields, required
from schema.accounts.types import LoginResult

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from persistence.unit_of_work import UnitOfWork
    from schema.accounts.inputs import CreateUserInput, UpdateUserInput, UserFilter
    from schema.pagination import Connection

_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


async def login(ctx: Context, username: str, password: str) -> LoginResult:
    limit = ctx.settings.login_attempts
    refusal: DomainError | None = None
    # A refusal still commits: the failure counter and the audit entry must stick.
    async with ctx.write("login", actor=None) as work:
        user = await user_rows.by_username(work.session, username.strip())
        if user is None or user.is_deleted:
            # Same work and the same answer as a wrong password, so names cannot be probed.
            await asyncio.to_thread(passwords.verify_password, None, password)
            work.detail = {"username": username[:50], "outcome": "unknown user"}
            refusal = Unauthenticated("wrong username or password")
        else:
            refusal = await _check_login(work, user, password, limit)
    if refusal is not None:
        raise refusal
    assert user is not None
    ctx.signed_in(actor_of(user))
    ttl = ctx.settings.token_ttl_minutes
    token = issue_token(
        ctx.services.signing_key, user_id=user.id, token_version=user.token_version, ttl_minutes=ttl
    )
    return LoginResult(token=token, user=user, expires_at=utcnow() + timedelta(minutes=ttl))  # type: ignore[arg-type]


async def _check_login(
    work: UnitOfWork, user: User, password: str, limit: int
) -> DomainError | None:
    work.touched(encode_id("User", user.id))
    failures = await user_rows.reserve_login_attempt(work.session, user.id, limit)
    if failures is None:
        work.detail = {"outcome": "locked"}
        return AccountLocked(
            "account locked after too many wrong passwords; ask an administrator to unlock it",
            remainingAttempts=0,
        )
    if not await asyncio.to_thread(passwords.verify_password, user.password_hash, password):
        outcome = lockout.after_failure(failures, limit)
        work.detail = {"outcome": "wrong password", "remaining": outcome.remaining}
        if outcome.locked:
            await user_rows.mark_locked(work.session, user.id)
            return AccountLocked(
                "wrong username or password; the account is now locked, ask an administrator",
                remainingAttempts=0,
            )
        return Unauthenticated(
            f"wrong username or password; {outcome.remaining} tries left before the account locks",
            remainingAttempts=outcome.remaining,
        )
    await user_rows.record_successful_login(work.session, user.id)
    if not user.enabled:
        work.detail = {"outcome": "disabled"}
        return Forbidden("this account is disabled")
    work.detail = {"outcome": "ok"}
    await work.session.refresh(user)
    return None


async def me(ctx: Context) -> User:
    actor = await ctx.actor()
    user = await ctx.loaders.user.load(actor.user_id)
    assert user is not None
    return user


async def change_password(ctx: Context, old_password: str, new_password: str) -> bool:
    actor = await ctx.actor()
    async with ctx.write("changePassword", actor=actor) as work:
        user = await work.session.get(User, actor.user_id, with_for_update=True)
        assert user is not None
        if not await asyncio.to_thread(passwords.verify_password, user.password_hash, old_password):
            raise BadUserInput("is not your current password", field="oldPassword")
        passwords.check_new_password(new_password, username=user.username, field="newPassword")
        if old_password == new_password:
            raise BadUserInput("must differ from the current password", field="newPassword")
        user.password_hash = await asyncio.to_thread(passwords.hash_password, new_password)
        work.touched(encode_id("User", user.id))
    # Other sessions keep their tokens: changing one's password is not a revocation.
    return True


async def _link_for_role(
    session: AsyncSession, role: Role, customer_pk: int | None, agent_pk: int | None
) -> None:
    """A CUSTOMER user belongs to one customer, an AGENT user to one agent, nobody else."""
    if role is Role.CUSTOMER:
        if customer_pk is None:
            raise BadUserInput("is required for a CUSTOMER user", field="customerId")
        customer = await session.get(Customer, customer_pk)
        if customer is None or customer.is_deleted:
            raise NotFound("customer not found", field="customerId")
    elif customer_pk is not None:
        raise BadUserInput("only a CUSTOMER user belongs to a customer", field="customerId")
    if role is Role.AGENT:
        if agent_pk is None:
            raise BadUserInput("is required for an AGENT user", field="agentId")
        agent = await session.get(Agent, agent_pk)
        if agent is None or agent.is_deleted:
            raise NotFound("agent not found", field="agentId")
    elif agent_pk is not None:
        raise BadUserInput("only an AGENT user belongs to an agent", field="agentId")


def check_username(username: str) -> str:
    cleaned = validation.text(username, "username", max_length=50)
    if len(cleaned) < 3 or not set(cleaned) <= _USERNAME_CHARS:
        raise BadUserInput("must be 3-50 characters: letters, digits and . _ - @", field="username")
    return cleaned


@dataclass(frozen=True)
class NewAccount:
    """What an account is made of, as given (checked by `add_user`)."""

    username: str
    password: str
    role: Role
    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_pk: int | None = None
    agent_pk: int | None = None


async def add_user(work: UnitOfWork, account: NewAccount) -> User:
    """The one way an account is made (the createUser mutation, `aftersales
    create-user`, the demo data): checked, stored, audited with the unit of work."""
    username = check_username(account.username)
    passwords.check_new_password(account.password, username=username)
    if await user_rows.by_username(work.session, username) is not None:
        raise BadUserInput("is already taken", field="username")
    await _link_for_role(work.session, account.role, account.customer_pk, account.agent_pk)
    display_name = validation.optional_text(account.display_name, "displayName", max_length=100)
    user = User(
        username=username,
        display_name=display_name or username,
        role=account.role.value,
        phone=validation.phone(account.phone),
        email=validation.email(account.email),
        customer_id=account.customer_pk,
        agent_id=account.agent_pk,
        password_hash=await asyncio.to_thread(passwords.hash_password, account.password),
        enabled=True,
        failed_logins=0,
        token_version=1,
    )
    work.session.add(user)
    await work.session.flush()
    work.touched(encode_id("User", user.id))
    return user


async def create_user(ctx: Context, data: CreateUserInput) -> User:
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    account = NewAccount(
        username=data.username,
        password=data.password,
        role=Role(data.role.value),
        display_name=data.display_name,
        phone=data.phone,
        email=data.email,
        customer_pk=decode_optional_id(data.customer_id, "Customer", field="customerId"),
        agent_pk=decode_optional_id(data.agent_id, "Agent", field="agentId"),
    )
    # Checked before the transaction too, so a bad one costs no write lock.
    passwords.check_new_password(account.password, username=check_username(account.username))
    async with ctx.write("createUser", actor=actor) as work:
        return await add_user(work, account)


def revoke_tokens(work: UnitOfWork, user: User) -> None:
    """Every token the user holds stops working; their live subscriptions are told
    through the event stream (ACCOUNT_REVOKED) and close at once, on every process."""
    user.token_version += 1
    work.emit(
        NewEvent(
            type=EventType.ACCOUNT_REVOKED,
            actor_id=work.actor_id,
            facts=EventFacts(recipient_id=user.id),
        )
    )


async def _managed_user(session: AsyncSession, user_id: str) -> User:
    pk = decode_id(user_id, "User")
    user = await session.get(User, pk, with_for_update=True)
    if user is None:
        raise NotFound("user not found")
    return user


PROFILE = {
    "display_name": required(
        lambda v: validation.text(v, "displayName", max_length=100), "displayName"
    ),
    "phone": validation.phone,
    "email": validation.email,
}


async def update_user(ctx: Context, user_id: str, data: UpdateUserInput) -> User:
    """Only the fields given change; an explicit null clears a phone or an e-mail."""
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    changes = changed_fields(data)
    async with ctx.write("updateUser", actor=actor) as work:
        user = await _managed_user(work.session, user_id)
        apply_changes(user, {k: v for k, v in changes.items() if k in PROFILE}, PROFILE)
        if changes.keys() & {"role", "customer_id", "agent_id"}:
            if changes.get("role", UNSET) is None:
                raise BadUserInput("cannot be cleared", field="role")
            role = Role(data.role.value) if data.role else Role(user.role)
            if user.id == actor.user_id and role is not Role.ADMIN:
                raise BadUserInput("an administrator cannot demote themselves", field="role")
            # A link carries over while the role keeps it; a new role needs its own.
            customer_pk = decode_optional_id(
                changes.get("customer_id"), "Customer", field="customerId"
            )
            agent_pk = decode_optional_id(changes.get("agent_id"), "Agent", field="agentId")
            if role is Role.CUSTOMER and customer_pk is None:
                customer_pk = user.customer_id
            if role is Role.AGENT and agent_pk is None:
                agent_pk = user.agent_id
            await _link_for_role(work.session, role, customer_pk, agent_pk)
            if role.value != user.role:
                revoke_tokens(work, user)  # a new role takes effect with a new login
            user.role, user.customer_id, user.agent_id = role.value, customer_pk, agent_pk
        work.touched(encode_id("User", user.id))
    return user


async def reset_password(ctx: Context, user_id: str, new_password: str) -> User:
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    async with ctx.write("resetPassword", actor=actor) as work:
        user = await _managed_user(work.session, user_id)
        passwords.check_new_password(new_password, username=user.username, field="newPassword")
        user.password_hash = await asyncio.to_thread(passwords.hash_password, new_password)
        revoke_tokens(work, user)
        user.failed_logins, user.locked_at = 0, None
        work.touched(encode_id("User", user.id))
    return user


async def set_user_enabled(ctx: Context, user_id: str, enabled: bool) -> User:
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    async with ctx.write("restoreUser" if enabled else "disableUser", actor=actor) as work:
        user = await _managed_user(work.session, user_id)
        if not enabled and user.id == actor.user_id:
            raise BadUserInput("an administrator cannot disable themselves", field="id")
        if user.enabled != enabled:
            user.enabled = enabled
            # Disabling revokes every token the user holds; restoring does not revive them.
            revoke_tokens(work, user)
        work.touched(encode_id("User", user.id))
    return user


async def unlock_user(ctx: Context, user_id: str) -> User:
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    async with ctx.write("unlockUser", actor=actor) as work:
        user = await _managed_user(work.session, user_id)
        user.failed_logins, user.locked_at = 0, None
        work.touched(encode_id("User", user.id))
    return user


async def user(ctx: Context, user_id: str) -> User:
    actor = await ctx.actor()
    pk = decode_id(user_id, "User")
    if pk != actor.user_id:
        policy.require(actor, Action.USER_READ)
    row = await ctx.loaders.user.load(pk)
    if row is None:
        raise NotFound("user not found")
    return row


async def users(
    ctx: Context, first: int | None, after: str | None, filter: UserFilter | None
) -> Connection[User]:
    actor = await ctx.actor()
    policy.require(actor, Action.USER_READ)
    if filter is None:
        stmt = user_rows.users_listed()
    else:
        stmt = user_rows.users_listed(
            roles=None if filter.role is None else [r.value for r in filter.role],
            enabled=filter.enabled,
            search=filter.search,
        )
    async with ctx.read() as session:
        return await paginate(
            session, stmt, User.id, first=first, after=after, settings=ctx.settings
        )


__all__ = ["actor_of", "login"]
