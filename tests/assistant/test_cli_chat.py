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
