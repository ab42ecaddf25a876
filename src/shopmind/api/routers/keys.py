"""API keys: list, create (the key is shown once) and revoke; admin key.

Keys configured in settings (``SHOPMIND_ADMIN_API_KEY``, ``SHOPMIND_STOREFRONT_API_KEY``) are not
stored and so are neither listed nor revocable here: they end when the setting is removed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, Field, StringConstraints

from shopmind.api.deps import StoreDep, admin
from shopmind.api.schemas import BODY, KEYED, errors
from shopmind.data.schema import Input

router = APIRouter(prefix="/admin/keys", tags=["keys"], dependencies=[admin], responses=KEYED)

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The key's id (from the list)")]
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"  # no NUL or other control characters
# http(s)://host[:port], as the store checks it (upper case is lower-cased there)
ORIGIN_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?/?$"


class ApiKey(BaseModel):
    """A stored key as listed: never the key itself (it is stored only as a hash)."""

    key_id: str
    name: str
    scope: Literal["admin", "storefront"]
    created_at: datetime
    expires_at: datetime | None = Field(description="When it stops working (null: never)")
    last_used_at: datetime | None = Field(description="Last accepted use, to within a minute (null: never)")
    revoked_at: datetime | None = Field(description="When it was revoked (null: not revoked)")
    status: Literal["active", "expired", "revoked"]
    origins: list[str] | None = Field(
        None, description="Web origins allowed to call the API with this key from a browser (CORS)"
    )


class NewApiKey(ApiKey):
    key: str = Field(description="The key: shown in this answer only; send it as X-API-Key")


class AdminKeyRequest(Input):
    scope: Literal["admin"] = Field(description="admin: everything (never in a browser: no origins)")
    name: str = Field("", max_length=200, pattern=PLAIN_TEXT, description="A label, e.g. who uses the key")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Lifetime in days (null: never expires)", examples=[30]
    )


class StorefrontKeyRequest(AdminKeyRequest):
    scope: Literal["storefront"] = Field(description="storefront: public reads and shoppers' own data")
    origins: list[Annotated[str, StringConstraints(pattern=ORIGIN_PATTERN)]] | None = Field(
        None,
        max_length=20,
        description="The web origins (scheme://host[:port]) whose pages may use the key (CORS; "
        "docs/embed.md)",
        examples=[["https://shop.example"]],
    )


# The scope decides which fields a request may carry (origins only on a storefront key).
KeyRequest = AdminKeyRequest | StorefrontKeyRequest


# 404: no stored key has this id; 409: the key sent with this request (revoke it with another admin
# key or the CLI)
ERRORS = errors(404, 409, 422)


@router.get("", response_model=list[ApiKey])
def list_keys(store: StoreDep) -> list[dict[str, Any]]:
    """Every stored key, newest first, with its scope, expiry, last use and revocation."""
    return store.list_api_keys()


@router.post("", response_model=NewApiKey, status_code=status.HTTP_201_CREATED, responses=BODY)
def create_key(body: KeyRequest, store: StoreDep) -> dict[str, Any]:
    """A new key; the answer is the only place the key is shown (the store keeps its hash)."""
    expires_at = datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    try:
        return store.issue_api_key(
            body.scope, body.name, expires_at=expires_at, origins=getattr(body, "origins", None)
        )
    except ValueError as exc:  # an origin that is not scheme://host[:port], or origins on an admin key
        raise HTTPException(422, str(exc)) from exc


@router.delete("/{key_id}", response_model=ApiKey, responses=ERRORS)
def revoke_key(key_id: KeyId, request: Request, store: StoreDep) -> dict[str, Any]:
    """Revoke a key: at once on this server, on the others within ``SHOPMIND_KEY_CACHE_SECONDS`` (5 s);
    revoking a revoked key changes nothing."""
    store.api_key(key_id)  # 404 for an unknown id
    if key_id == getattr(request.state, "api_key_id", None):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "this is the key this request was sent with; revoke it with another admin key "
            "or `shopmind keys revoke`",
        )
    revoked = store.revoke_api_key(key_id)
    request.app.state.key_grants.clear()
    return revoked
