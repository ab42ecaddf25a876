"""What the routers that show products call: the experiment arm a shopper is assigned on a surface, and
the impression of an answer (logged off the request path, its id put on the answer).

The answer's ``impression_id`` is null when the impression log's queue was full (the answer is still
given). The storefront sends the id back with the clicks and add-to-carts on what it showed.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from shopmind.online.impressions import unit_of
from shopmind.online.service import OnlineService

log = logging.getLogger(__name__)
IMPRESSION = (
    "Send it back as impression_id with the clicks, add-to-carts and purchases of the products this "
    "answer showed (null: not logged)"
)


async def get_online(request: Request) -> OnlineService:
    """The engine's online service: at once when built (a serving process builds it at start), else built
    in a worker thread (building it reads the store)."""
    engine = request.app.state.engine
    if engine.built("online"):
        return engine.online
    return await run_in_threadpool(lambda: engine.online)


OnlineDep = Annotated[OnlineService, Depends(get_online)]


async def get_online_or_none(request: Request) -> OnlineService | None:
    """The online service, or None when it cannot be built (an answer that only logs impressions on the
    side, such as the assistant's, is still given)."""
    try:
        return await get_online(request)
    except Exception:  # noqa: BLE001 - logged; the answer goes out without an impression
        log.exception("online service unavailable: answering without an impression")
        return None


MaybeOnlineDep = Annotated[OnlineService | None, Depends(get_online_or_none)]


def assigned(online: OnlineService, surface: str, customer_id: str | None, session_id: str | None = None):
    """(experiment, arm) of this shopper on ``surface``, or None (no experiment runs there)."""
    if not customer_id and not session_id:
        return None
    return online.arm(surface, unit_of(customer_id, session_id))


def arm_value(arm: tuple[dict[str, Any], dict[str, Any]] | None, key: str) -> Any:
    """The arm's model version or search settings (None without an experiment)."""
    return None if arm is None else arm[1].get(key)


def shown(
    online: OnlineService,
    surface: str,
    answer: dict[str, Any],
    items: str,
    arm: tuple[dict[str, Any], dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """``answer`` with the ``impression_id`` of the products in its list ``items`` (logged now)."""
    ids = [p["product_id"] for p in answer.get(items) or []]
    answer["impression_id"] = online.show(surface, ids, arm, **fields)
    return answer
