"""Accounts: login, own password, and the admin's user management."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from strawberry import UNSET

from domain import policy, validation
from domain.accounts import lockout, passwords
from domain.errors import (
    AccountLocked,
    BadUserInput,
    DomainError,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from domain.events import EventFacts, EventType
from domain.policy import Action
from domain.roles import Role
from persistence.db import write_options
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


@dataclass(frozen=True)
class _Gate:
    """What a login may do after its attempt is counted (phase one of `login`)."""

    user: User | None
    refusal: DomainError | None = None
    # Set when this attempt locks the name should its password be wrong.
    locks_until: datetime | None = None
    # The address window the attempt was counted in (given back on success).
    window_started_at: datetime | None = None


WRONG = "wrong username or password"
LOCKED = "too many failed logins; try again later or ask an administrator"
RATE_LIMITED = "too many failed logins from this address; try again later"

# Names nobody got wrong for this long, and not waiting, are forgotten (their count of
# locks starts over); idle throttle rows are swept at most this often per process.
NAMES_IDLE = lockout.MAX_LOCKOUT
_SWEEP_EVERY = 600.0
_last_sweep = -_SWEEP_EVERY


async def login(ctx: Context, username: str, password: str) -> LoginResult:
    """NIST SP 800-63B logins: every refusal looks the same whether the name exists or
    not (message, extensions, work done); failures are throttled per name and per
    address (domain.accounts.lockout), never locking anyone out for good.

    Three steps, so that no lock is held while a password is hashed: (1) the attempt is
    counted, in a short transaction, before anything is checked (parallel attempts can
    never check more passwords than the limits allow); (2) the password is verified,
    against a dummy hash for an unknown name so that it takes as long; (3) the outcome
    is recorded and audited: a success gives the attempt back and forgets the name's
    failures."""
    now = utcnow()
    key = lockout.name_key(username)
    gate = await _count_attempt(ctx, key, now)
    user = gate.user
    verified = False
    if gate.refusal is None:
        hashed = user.password_hash if user is not None else None
        verified = await asyncio.to_thread(passwords.verify_password, hashed, password)
    # A disabled or deleted account is refused as a wrong password is, right one or not.
    admitted = verified and user is not None and user.enabled and not user.is_deleted
    async with ctx.write("login", actor=None) as work:
        if user is not None:
            work.touched(encode_id("User", user.id))
        if admitted:
            assert user is not None
            await _forget_failures(ctx, work, gate, key)
            await user_rows.record_successful_login(work.session, user.id, now)
            work.detail = {"outcome": "ok"}
        else:
            work.detail = {"username": username[:50], "outcome": _outcome(gate, user, verified)}
    await _sweep_idle_throttles(ctx)
    if gate.refusal is not None:
        raise gate.refusal
    if not admitted:
        if gate.locks_until is not None:
            raise _locked(gate.locks_until)
        raise Unauthenticated(WRONG)
    assert user is not None
    user.locked_until, user.last_login_at = None, now
    ctx.signed_in(actor_of(user))
    ttl = ctx.settings.token_ttl_minutes
    token = issue_token(
        ctx.services.signing_key, user_id=user.id, token_version=user.token_version, ttl_minutes=ttl
    )
    return LoginResult(token=token, user=user, expires_at=utcnow() + timedelta(minutes=ttl))  # type: ignore[arg-type]


async def _forget_failures(ctx: Context, work: UnitOfWork, gate: _Gate, key: str) -> None:
    """The password was right: the attempt was no failure of the address, and the
    name's failures and locks are forgotten (the address's row first, then the name's)."""
    if ctx.ip is not None and gate.window_started_at is not None:
        await user_rows.give_back_address_attempt(work.session, ctx.ip, gate.window_started_at)
    await user_rows.forget_name_throttle(work.session, key)


def _locked(until: datetime) -> AccountLocked:
    # The same for every name, known or not: nothing here says whether it exists.
    return AccountLocked(LOCKED, retryAfter=lockout.seconds_until(until, utcnow()))


def _outcome(gate: _Gate, user: User | None, verified: bool) -> str:
    """Why a login was refused, for the audit log only (never for the client)."""
    if gate.refusal is not None:
        return "address rate limited" if isinstance(gate.refusal, RateLimited) else "locked"
    if user is None:
        return "unknown user"
    if verified:
        return "deleted" if user.is_deleted else "disabled"
    return "wrong password, now locked" if gate.locks_until else "wrong password"


async def _count_attempt(ctx: Context, key: str, now: datetime) -> _Gate:
    """Step one of `login` (and of `change_password`): counts the attempt against the
    address, then the name, in one short transaction (rows taken in that order
    everywhere: no deadlock).

    The address comes first: an address over its limit is refused before its attempt
    can count against any name, so one address cannot lock out names it sprays, and it
    learns nothing about them (every name answers it RATE_LIMITED)."""
    settings = ctx.settings
    window = timedelta(minutes=settings.lockout_minutes)
    address = ctx.ip
    sessionmaker = ctx.services.sessionmaker
    async with sessionmaker(execution_options=write_options()) as session, session.begin():
        counted: lockout.AddressReservation | None = None
        if address is not None:
            counted = lockout.reserve_address(
                await user_rows.address_window_for_update(session, address, now),
                now,
                limit=settings.login_ip_attempts,
                window=window,
            )
            if not counted.allowed:
                wait = counted.retry_after
                return _Gate(user=None, refusal=RateLimited(RATE_LIMITED, retryAfter=wait))
        reserved = lockout.reserve_name(
            await user_rows.name_throttle_for_update(session, key, now),
            now,
            limit=settings.login_attempts,
            base=window,
        )
        if not reserved.allowed:
            # No password is checked: not a failed login of the address.
            if address is not None and counted is not None:
                kept = lockout.give_back(counted.state)
                await user_rows.store_address_window(session, address, kept)
            assert reserved.locked_until is not None
            user = await user_rows.by_name_key(session, key)
            return _Gate(user=user, refusal=_locked(reserved.locked_until))
        if address is not None and counted is not None:
            await user_rows.store_address_window(session, address, counted.state)
        await user_rows.store_name_throttle(session, key, reserved.state, now)
        if reserved.locked_until is not None:
            await user_rows.mark_name_locked(session, key, reserved.locked_until)
        user = await user_rows.by_name_key(session, key)
        return _Gate(
            user=user,
            locks_until=reserved.locked_until,
            window_started_at=counted.state.started_at if counted else None,
        )


async def _sweep_idle_throttles(ctx: Context) -> None:
    """Forgets throttle rows that hold nothing back any more, now and then (in a
    transaction of its own, holding no other login's rows)."""
    global _last_sweep
    if time.monotonic() - _last_sweep < _SWEEP_EVERY:
        return
    _last_sweep = time.monotonic()
    window = timedelta(minutes=ctx.settings.lockout_minutes)
    sessionmaker = ctx.services.sessionmaker
    async with sessionmaker(execution_options=write_options()) as session, session.begin():
        await user_rows.forget_idle_throttles(
            session, utcnow(), names_idle=NAMES_IDLE, window=window
        )


async def me(ctx: Context) -> User:
    actor = await ctx.actor()
    user = await ctx.loaders.user.load(actor.user_id)
    assert user is not None
    return user


async def change_password(ctx: Context, old_password: str, new_password: str) -> bool:
    """The old password is checked as a login's is: counted against the name and the
    address first, so a stolen token cannot be used to guess it without limit."""
    actor = await ctx.actor()
    user = await ctx.loaders.user.load(actor.user_id)
    assert user is not None
    # Refusals that need no password first: they cost no attempt.
    passwords.check_new_password(new_password, username=user.username, field="newPassword")
    if old_password == new_password:
        raise BadUserInput("must differ from the current password", field="newPassword")
    key = lockout.name_key(user.username)
    gate = await _count_attempt(ctx, key, utcnow())
    if gate.refusal is not None:
        raise gate.refusal
    if not await asyncio.to_thread(passwords.verify_password, user.password_hash, old_password):
        if gate.locks_until is not None:
            raise _locked(gate.locks_until)
        raise BadUserInput("is not your current password", field="oldPassword")
    new_hash = await asyncio.to_thread(passwords.hash_password, new_password)
    async with ctx.write("changePassword", actor=actor) as work:
        await _forget_failures(ctx, work, gate, key)
        row = await work.session.get(User, actor.user_id, with_for_update=True)
        assert row is not None
        if row.password_hash != user.password_hash:
            # Reset by an admin since it was checked: the old one is not current.
            raise BadUserInput("is not your current password", field="oldPassword")
        row.password_hash, row.locked_until = new_hash, None
        work.touched(encode_id("User", row.id))
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
    pk = decode_id(user_id, "User")
    async with ctx.write("resetPassword", actor=actor) as work:
        # The name's lock first (login's order: the name, then the account).
        await user_rows.unlock_account(work.session, pk)
        user = await _managed_user(work.session, user_id)
        passwords.check_new_password(new_password, username=user.username, field="newPassword")
        user.password_hash = await asyncio.to_thread(passwords.hash_password, new_password)
        revoke_tokens(work, user)
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
    pk = decode_id(user_id, "User")
    async with ctx.write("unlockUser", actor=actor) as work:
        await lift_lock(work, pk)
        return await _managed_user(work.session, user_id)


async def lift_lock(work: UnitOfWork, user_pk: int) -> None:
    """Failed logins stop holding the account's name back at once, and are forgotten
    (the unlockUser mutation, `aftersales unlock-user`); audited with the unit of work."""
    await user_rows.unlock_account(work.session, user_pk)
    work.touched(encode_id("User", user_pk))


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
            search=validation.search_term(filter.search),
        )
    return await paginate(ctx, stmt, User.id, first=first, after=after)


__all__ = ["actor_of", "login"]
