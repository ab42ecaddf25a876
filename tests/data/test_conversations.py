"""Conversations and messages in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopmind.data.conversations import Conversations
from shopmind.data.store import NotFoundError, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_create_get_append_and_read_back_in_order(store: Store) -> None:
    convs = Conversations(store)
    conv = convs.create("C1", "zh", at=T0)
    cid = conv["conversation_id"]
    assert convs.get(cid) == {"conversation_id": cid, "customer_id": "C1", "lang": "zh", "status": "open"} | {
        "started_at": T0,
        "agent": None,
        "waiting_since": None,
    }
    assert convs.append(cid, "customer", "你好", {"parse": {"intent": "greet"}}, at=T0) == 1
    assert convs.append(cid, "assistant", "您好!", {"state": {"turn": 1}}, at=T0 + timedelta(seconds=1)) == 2
    assert convs.append(cid, "customer", "where is O1", {}, at=T0 + timedelta(seconds=2)) == 3
    msgs = convs.messages(cid)
    assert [(m["seq"], m["role"], m["text"]) for m in msgs] == [
        (1, "customer", "你好"),
        (2, "assistant", "您好!"),
        (3, "customer", "where is O1"),
    ]
    assert msgs[0]["meta"] == {"parse": {"intent": "greet"}} and msgs[1]["at"] == T0 + timedelta(seconds=1)
    assert "conversation_id" not in msgs[0]
    assert [m["seq"] for m in convs.messages(cid, last=2)] == [2, 3]
    with pytest.raises(NotFoundError, match="conversation 'CVnope' not found"):
        convs.get("CVnope")


def test_last_state_is_the_latest_assistant_messages(store: Store) -> None:
    convs = Conversations(store)
    cid = convs.create("C1", "en")["conversation_id"]
    assert convs.last_state(cid) is None
    convs.append(cid, "assistant", "a", {"state": {"n": 1}})
    convs.append(cid, "assistant", "b", {"state": {"n": 2}})
    convs.append(cid, "customer", "c", {"state": {"n": 3}})
    assert convs.last_state(cid) == {"n": 2}


def test_list_newest_first_by_status_with_update_and_handoff_packet(store: Store) -> None:
    convs = Conversations(store)
    ids = [convs.create(f"C{i}", "en", at=T0 + timedelta(minutes=i))["conversation_id"] for i in range(3)]
    convs.update(ids[1], status="handoff", lang="zh")
    convs.append(ids[1], "system", "handed over", {"handoff": {"reason": "asked"}})
    rows, total = convs.list()
    assert total == 3 and [r["conversation_id"] for r in rows] == ids[::-1]
    queue, n = convs.list("handoff")
    assert n == 1 and queue[0]["conversation_id"] == ids[1] and queue[0]["lang"] == "zh"
    assert convs.handoff_packet(ids[1]) == {"reason": "asked"}
    assert convs.handoff_packet(ids[0]) is None
    page, total = convs.list(limit=1, offset=1)
    assert total == 3 and [r["conversation_id"] for r in page] == [ids[1]]
    with pytest.raises(ValueError, match="unknown status 'lost'"):
        convs.list("lost")


def test_queue_longest_wait_first_claim_once_and_messages_by_role(store: Store) -> None:
    convs = Conversations(store)
    ids = [convs.create(f"C{i}", "en", at=T0)["conversation_id"] for i in range(4)]
    convs.update(ids[0], status="handoff", waiting_since=T0 + timedelta(minutes=5))
    convs.update(ids[1], status="handoff", waiting_since=T0 + timedelta(minutes=1))
    convs.update(ids[2], status="handoff")  # answered: nobody waits
    rows, total = convs.queue()
    assert total == 3 and [r["conversation_id"] for r in rows] == [ids[1], ids[0], ids[2]]
    assert convs.claim(ids[3], "Mei") == "Mei" and convs.get(ids[3])["status"] == "handoff"
    assert convs.claim(ids[3], "Bob") == "Mei"  # taken: Bob does not get it
    assert convs.claim(ids[3], "Bob", force=True) == "Bob"
    for role in ("customer", "assistant", "note", "agent", "system"):
        convs.append(ids[3], role, role, {})
    seen = convs.messages(ids[3], after=1, roles=("customer", "assistant", "agent"))
    assert [(m["seq"], m["role"]) for m in seen] == [(2, "assistant"), (4, "agent")]
