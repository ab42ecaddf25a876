// Conversations with the assistant and the human-handoff queue (transcripts with the handoff packet).
import { fill, formatTime, h } from "../dom.js";
import { table } from "./table.js";

function packetView(packet) {
  if (!packet) return null;
  const rows = Object.entries(packet).filter(([, v]) => v !== null && v !== "" && typeof v !== "object");
  const nested = Object.entries(packet).filter(([, v]) => v && typeof v === "object");
  return h("div", { class: "box", id: "handoff-packet" }, h("h3", null, "Handoff packet"),
    h("dl", { class: "attrs" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, String(v))])),
    nested.map(([k, v]) => h("details", null, h("summary", null, k), h("pre", { class: "joblog" }, JSON.stringify(v, null, 1)))));
}

async function showTranscript(api, box, id) {
  fill(box, h("p", { class: "status" }, "Loading transcript…"));
  const conv = await api(`/admin/conversations/${encodeURIComponent(id)}`);
  fill(box, h("h2", null, `Conversation ${conv.conversation_id} · ${conv.customer_id} · ${conv.status}`),
    packetView(conv.handoff),
    h("div", { class: "transcript", id: "transcript" }, conv.messages.map((m) => h("div", { class: `msg ${m.role}`, dataset: { role: m.role } },
      h("div", { class: "text" }, m.text),
      h("div", { class: "extra" }, [formatTime(m.at), m.meta && m.meta.intent ? ` · ${m.meta.intent}` : "",
        m.meta && m.meta.parse ? ` · intent ${m.meta.parse.intent} (${Number(m.meta.parse.score || 0).toFixed(2)})` : ""].join(""))))));
}

export async function renderConversations(panel, api) {
  const box = h("div", { id: "transcript-box" });
  const list = async (status) => api("/admin/conversations", { params: { status, limit: 100 } });
  const [queue, all] = await Promise.all([list("handoff"), list("")]);
  const cols = [
    { key: "conversation_id", label: "conversation", format: (v) => h("a", { href: "#conversations", class: "open-conv", onclick: (e) => { e.preventDefault(); showTranscript(api, box, v); } }, v) },
    { key: "customer_id", label: "customer" }, { key: "lang" }, { key: "status" },
    { key: "started_at", label: "started", format: formatTime },
  ];
  fill(panel, h("h1", null, "Conversations"),
    h("section", { class: "box", id: "handoff-queue" }, h("h2", null, `Waiting for a human agent (${queue.total})`),
      queue.items.length ? table([...cols, { key: "handoff", label: "reason", format: (p) => (p && (p.reason || p.summary)) || "" }], queue.items) : h("p", { class: "muted" }, "Nobody is waiting.")),
    h("section", { class: "box", id: "all-conversations" }, h("h2", null, `All conversations (${all.total})`),
      all.items.length ? table(cols, all.items) : h("p", { class: "muted" }, "No conversations yet.")),
    box);
}
