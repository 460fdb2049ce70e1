"""API tokens and roles: who may call the registry, and with which powers.

A token is `gr_` + 32 random bytes (URL-safe base64). It is shown once, when
minted; the registry keeps only its SHA-256 (256 bits of entropy need no salt
or slow hash), with a name, a role and an optional expiry. A revoked token
stays stored, so its name is never reused and histories keep one meaning.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from graph_registry.domain import validation
from graph_registry.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from graph_registry.services.audit import AuditEntry, write_one_audited
from graph_registry.storage.database import Database

TOKEN_PREFIX = "gr_"  # noqa: S105 (a prefix that marks registry tokens in logs and scanners, not a secret)
# Longer credentials are refused before any database work.
MAX_TOKEN_LENGTH = 128
# Actors that the registry itself uses; no token may pose as them.
RESERVED_NAMES = frozenset({"anonymous", "system"})


class Role(StrEnum):
    """Each role may do everything the roles before it may."""

    READER = "reader"
    WRITER = "writer"
    MAINTAINER = "maintainer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the token's name (the `actor` of histories and audit) and its role."""

    actor: str
    role: Role


# Everyone, when authentication is switched off (loopback only; see `graph-registry serve`).
ANONYMOUS = Principal(actor="anonymous", role=Role.ADMIN)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TokenRecord:
        return cls(
            name=row["name"],
            role=Role(row["role"]),
            created_at=row["createdAt"],
            expires_at=row.get("expiresAt"),
            revoked_at=row.get("revokedAt"),
        )

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly minted token: the only moment its secret exists outside the caller."""

    record: TokenRecord
    secret: str = field(repr=False)


def _now() -> datetime:
    return datetime.now(UTC)


class TokenService:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self, *, name: str, role: Role, expires_at: datetime | None = None, audit: AuditEntry | None = None
    ) -> NewToken:
        validation.name(name, what="token")
        if name.casefold() in RESERVED_NAMES:
            raise InvalidInput(f"the token name {name!r} is reserved", field="token")
        if expires_at is not None:
            validation.moment(expires_at, what="expiresAt")
            if expires_at.tzinfo is None:
                raise InvalidInput("expiresAt needs a time zone", field="expiresAt")
            if expires_at <= _now():
                raise InvalidInput("expiresAt must be in the future", field="expiresAt")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        rows = await write_one_audited(
            self._db,
            "create_api_token",
            audit=audit,
            name=name,
            role=role.value,
            hash=hash_token(secret),
            expiresAt=expires_at,
        )
        if not rows:
            raise Conflict(f"a token named {name!r} exists (names are never reused)", token=name)
        return NewToken(record=TokenRecord.from_row(rows[0]["token"]), secret=secret)

    async def list_tokens(self) -> list[TokenRecord]:
        rows = await self._db.read("list_api_tokens")
        return [TokenRecord.from_row(row["token"]) for row in rows]

    async def revoke(self, name: str, *, audit: AuditEntry | None = None) -> TokenRecord:
        validation.name(name, what="token")
        rows = await write_one_audited(self._db, "revoke_api_token", audit=audit, name=name)
        if not rows:
            raise NotFound(f"no token named {name!r}", token=name)
        return TokenRecord.from_row(rows[0]["token"])

    async def recheck(self, principal: Principal) -> None:
        """Unauthenticated once the principal's token was revoked or expired (long-lived connections)."""
        if principal is ANONYMOUS:
            return
        rows = await self._db.read("get_api_token", name=principal.actor)
        if not rows:
            raise Unauthenticated("invalid token")
        _check(TokenRecord.from_row(rows[0]["token"]))

    async def authenticate(self, secret: str) -> Principal:
        """The principal a presented token stands for; Unauthenticated for anything else."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("invalid token")
        rows = await self._db.read("find_api_token", hash=hash_token(secret))
        if not rows:
            raise Unauthenticated("invalid token")
        token = TokenRecord.from_row(rows[0]["token"])
        _check(token)
        return Principal(actor=token.name, role=token.role)


def _check(token: TokenRecord) -> None:
    if token.revoked_at is not None:
        raise Unauthenticated("the token was revoked")
    if not token.active(_now()):
        raise Unauthenticated("the token has expired")
