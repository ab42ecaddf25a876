"""`shopmind chat`: the terminal assistant, scripted with --message, as the given customer."""

from __future__ import annotations

from typer.testing import CliRunner

from shopmind.artifacts import ArtifactStore
from shopmind.cli import app
from shopmind.data.simulate import docs_frame
from shopmind.data.store import Store
from tests.assistant.conftest import fill_mini_shop


def test_chat_command_answers_as_the_given_customer(tmp_path, monkeypatch, shop_nlu):
    root = tmp_path / "artifacts"
    ArtifactStore(root).save_version("nlu", "shop", shop_nlu.save)
    db = tmp_path / "shop.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    fill_mini_shop(store)
    store.upsert("docs", docs_frame(0).to_dict("records"))
    store.dispose()
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(root))

    args = ["chat", "--customer", "C1", "--clock", "store", "-m", "Where is order O000002?"]
    result = CliRunner().invoke(app, [*args, "-m", "and O000005?"])
    assert result.exit_code == 0, result.output
    assert "SF123456789012" in result.output and "action order_status" in result.output
    assert "JDX999999999999" not in result.output and "could not find order O000005" in result.output
    missing = CliRunner().invoke(app, ["chat", "--customer", "C404", "-m", "hi"])
    assert missing.exit_code == 1 and "not found" in missing.output


def _shop_env(tmp_path, monkeypatch, shop_nlu) -> None:
    root = tmp_path / "artifacts"
    ArtifactStore(root).save_version("nlu", "shop", shop_nlu.save)
    db = tmp_path / "shop.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    fill_mini_shop(store)
    store.upsert("docs", docs_frame(0).to_dict("records"))
    store.dispose()
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(root))
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))


def test_agents_commands_take_reply_note_and_close(tmp_path, monkeypatch, shop_nlu):
    import json

    _shop_env(tmp_path, monkeypatch, shop_nlu)
    run = CliRunner().invoke
    result = run(app, ["chat", "--customer", "C1", "--json", "-m", "I want to talk to a human agent"])
    assert result.exit_code == 0, result.output
    queue = run(app, ["agents", "queue", "--json"])
    assert queue.exit_code == 0, queue.output
    items = json.loads(queue.output)["items"]
    assert len(items) == 1 and items[0]["customer_id"] == "C1"
    cid = items[0]["conversation_id"]
    assert "is with Mei" in run(app, ["agents", "take", cid, "--agent", "Mei"]).output
    refused = run(app, ["agents", "take", cid, "--agent", "Bob"])
    assert refused.exit_code == 1 and "Mei" in refused.output
    assert run(app, ["agents", "note", cid, "-a", "Mei", "-m", "call back tomorrow"]).exit_code == 0
    assert run(app, ["agents", "reply", cid, "-a", "Mei", "-m", "Hello from Mei"]).exit_code == 0
    shown = json.loads(run(app, ["agents", "show", cid, "--json"]).output)
    roles = [m["role"] for m in shown["messages"]]
    assert roles[-2:] == ["note", "agent"] and shown["agent"] == "Mei" and shown["handoff"]["intent"]
    assert "is closed" in run(app, ["agents", "close", cid, "-a", "Mei"]).output


def test_chat_as_a_guest_and_a_long_message_is_cut_with_a_warning(tmp_path, monkeypatch, shop_nlu):
    _shop_env(tmp_path, monkeypatch, shop_nlu)
    result = CliRunner().invoke(
        app, ["chat", "--guest", "-m", "What is your return policy?", "-m", "x" * 3000]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # Rich wraps lines
    assert "real time" in out and "You can return most items within 30 days" in out
    assert "3,000 characters; only the first 2,000 are sent" in out


def test_chat_on_the_demo_shop_uses_the_demo_clock(demo_db, tmp_path, monkeypatch):
    import shutil

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["chat", "--guest", "-m", "hello"])
    assert result.exit_code == 0, result.output
    assert "shop clock 2026-11-01T00:00:00 (auto)" in " ".join(result.output.split())
