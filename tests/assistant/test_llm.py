"""The LLM client against a real local HTTP server speaking /v1/chat/completions, and the engine's
validation of the tool calls it proposes (invalid and malicious calls are rejected)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shopmind.assistant.dialogue import Dialogue
from shopmind.assistant.llm import LLMAssistant, LLMClient, LLMConfig, LLMError, load_llm
from shopmind.assistant.nlu import Parse
from shopmind.assistant.state import DialogueState, Turn
from shopmind.assistant.tools import ShopTools, ToolContext
from tests.assistant.conftest import NOW, fill_mini_shop


class FakeOpenAI:
    """A local OpenAI-compatible endpoint: answers each POST with the next queued completion."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.replies: list[tuple[int, dict]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, "body": body})
                owner.headers.append(dict(self.headers))
                code, payload = owner.replies.pop(0) if owner.replies else (500, {"error": "no reply queued"})
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def say(self, content: str) -> None:
        self.replies.append((200, {"choices": [{"message": {"role": "assistant", "content": content}}]}))

    def call(self, name: str, arguments: str) -> None:
        msg = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
            ],
        }
        self.replies.append((200, {"choices": [{"message": msg, "finish_reason": "tool_calls"}]}))

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def api():
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture
def mini_shop(sqlite_store):
    """SQLite only here: the tools' behaviour on both backends is covered in test_tools.py."""
    fill_mini_shop(sqlite_store)
    return sqlite_store


@pytest.fixture
def llm(api) -> LLMAssistant:
    return LLMAssistant(LLMClient(LLMConfig(api.url, model="test-model", api_key="sk-test", timeout=5)))


def _parse(text: str) -> Parse:
    return Parse(text, "out_of_scope", 0.2, False, "en", [], 0.1, [("out_of_scope", 0.2)])


def _plan(llm, mini_shop, text: str, customer: str = "C1") -> tuple[Turn, DialogueState]:
    state = DialogueState()
    dialogue = Dialogue(ShopTools(mini_shop), None, planner=llm)
    turn = dialogue.respond(state, _parse(text), text, ToolContext(customer, "CV1", NOW))
    return turn, state


def test_client_speaks_the_protocol(api, llm):
    api.say("Hello there")
    reply = llm.client.chat([{"role": "user", "content": "hi"}])
    assert reply.content == "Hello there" and reply.tool_calls == []
    req = api.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "test-model" and req["body"]["messages"][0]["content"] == "hi"
    assert api.headers[0]["Authorization"] == "Bearer sk-test"


def test_client_errors_are_llm_errors(api, llm):
    api.replies.append((500, {"error": "boom"}))
    with pytest.raises(LLMError):
        llm.client.chat([{"role": "user", "content": "hi"}])
    api.replies.append((200, {"unexpected": True}))
    with pytest.raises(LLMError):
        llm.client.chat([{"role": "user", "content": "hi"}])


def test_valid_tool_call_runs_for_the_session_customer(api, llm, mini_shop):
    api.call("order_status", '{"order_id": "O000002"}')
    turn, state = _plan(llm, mini_shop, "any news on that parcel O000002 of mine")
    assert "SF123456789012" in turn.text and state.order_id == "O000002"
    sent = api.requests[0]["body"]
    names = {t["function"]["name"] for t in sent["tools"]}
    assert {"order_status", "cancel_order"} <= names
    assert turn.actions[0]["tool"] == "order_status" and turn.actions[0]["source"] == "llm"


def test_changing_tool_call_is_not_executed_without_confirmation(api, llm, mini_shop):
    api.call("cancel_order", '{"order_id": "O000001", "reason": "model says so"}')
    turn, state = _plan(llm, mini_shop, "get rid of the thing I bought yesterday")
    assert turn.template == "confirm_cancel" and state.pending and state.pending.need == "confirm"
    assert mini_shop.get_order("O000001")["status"] == "paid"


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("order_status", '{"order_id": "O000005", "customer_id": "C2"}'),  # impersonation: extra field
        ("delete_all_orders", "{}"),  # not a tool
        ("cancel_order", "{'order_id': 'O000001'}"),  # not JSON
        ("change_address", '{"order_id": "O000001"}'),  # schema: missing field
        ("order_status", '{"order_id": "O000001; DROP TABLE orders"}'),  # schema: bad id
    ],
)
def test_invalid_tool_calls_are_rejected(api, llm, mini_shop, name, arguments):
    api.call(name, arguments)
    turn, _ = _plan(llm, mini_shop, "do something")
    assert turn.template == "out_of_scope"
    assert turn.actions[-1]["error"] == "rejected_tool_call" and not turn.actions[-1]["ok"]
    assert llm.rejected and mini_shop.get_order("O000001")["status"] == "paid"


def test_valid_call_on_another_customers_order_reveals_nothing(api, llm, mini_shop):
    api.call("cancel_order", '{"order_id": "O000005"}')
    turn, _ = _plan(llm, mini_shop, "cancel the order of my neighbour")
    assert turn.template == "not_found" and "JDX" not in turn.text and "北京" not in turn.text
    assert mini_shop.get_order("O000005")["status"] == "shipped"


def test_rewrite_keeps_facts_or_falls_back(api, llm):
    turn = Turn(
        "Order O000002 is shipped: tracking number SF123456789012.",
        "track_order",
        "status_shipped",
        facts={"order_id": "O000002", "tracking_number": "SF123456789012"},
    )
    api.say("Good news! Your order O000002 is on its way; the tracking number is SF123456789012.")
    assert llm.rewrite(turn, "en").startswith("Good news!")
    api.say("Good news! Your order is on its way.")  # dropped the tracking number
    assert llm.rewrite(turn, "en") == turn.text
    api.replies.append((503, {"error": "overloaded"}))
    assert llm.rewrite(turn, "en") == turn.text


def test_no_llm_configured_means_offline(sqlite_store):
    from shopmind.config import Settings
    from shopmind.engine import Engine

    assert load_llm(None) is None and load_llm(LLMConfig("")) is None
    assert load_llm(LLMConfig("http://127.0.0.1:9/v1")) is not None
    assert Engine(Settings(llm_base_url=""), sqlite_store).assistant.llm is None
    configured = Engine(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m"), sqlite_store)
    assert configured.assistant.llm.client.config.model == "m"
