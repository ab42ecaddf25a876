// Conversations with the assistant and the human agents' desk: the queue (longest wait first), the
// transcript with internal notes and the handoff packet, and the agent's actions (take, reply, note,
// hand back, close) through /admin/agents. An open transcript refreshes itself for new customer lines.
import { fill, formatTime, h } from "../dom.js";
import { table } from "./table.js";

const AGENT = "shopmind.agent";
const REFRESH_MS = 3000;
let refresher = null;

export function waited(seconds) {
  if (seconds === null || seconds === undefined) return "answered";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function packetView(packet, value) {
  if (!packet && !value) return null;
  const p = packet || {};
  const facts = [
    ["reason", p.reason], ["intent", p.intent],
    ["entities", (p.entities || []).map((e) => `${e.kind}: ${e.value}`).join(", ")],
    ["order", p.order ? `${p.order.order_id} · ${p.order.status} · ${p.order.total} · ${p.order.tracking_number || "no tracking"}` : ""],
    ["value tier", p.value ? `${p.value.tier} (rank ${p.value.rank} of ${p.value.customers}, spend ${p.value.spend})` : ""],
    ["CLV (365 days)", value && value.clv_365d !== null && value.clv_365d !== undefined ? String(value.clv_365d) : ""],
    ["churn risk", value && value.churn_risk !== null && value.churn_risk !== undefined ? `${Math.round(100 * value.churn_risk)} %` : ""],
    ["segment", value && value.segment ? value.segment.en : ""],
  ].filter(([, v]) => v);
  const nested = ["summary", "orders", "recent_searches"].filter((k) => p[k]);
  return h("div", { class: "box", id: "handoff-packet" }, h("h3", null, "Handoff packet"),
    h("dl", { class: "attrs" }, facts.map(([k, v]) => [h("dt", null, k), h("dd", { dataset: { fact: k } }, v)]), h("dt", null, "customer"), h("dd", null, p.customer_id || "")),
    nested.map((k) => h("details", null, h("summary", null, k), h("pre", { class: "joblog" }, JSON.stringify(p[k], null, 1)))));
}

function messagesView(messages) {
  return messages.map((m) => h("div", { class: `msg ${m.role}`, dataset: { role: m.role, seq: m.seq } },
    h("div", { class: "text" }, m.text),
    h("div", { class: "extra" }, [formatTime(m.at), m.role === "note" ? " · internal note" : "",
      m.meta && m.meta.agent ? ` · ${m.meta.agent}` : "", m.meta && m.meta.intent ? ` · ${m.meta.intent}` : "",
      m.meta && m.meta.parse ? ` · intent ${m.meta.parse.intent} (${Number(m.meta.parse.score || 0).toFixed(2)})` : ""].join(""))));
}

function agentPanel(api, box, conv) {
  const name = h("input", { id: "agent-name", value: localStorage.getItem(AGENT) || "agent", "aria-label": "your name", maxlength: "100" });
  name.addEventListener("change", () => localStorage.setItem(AGENT, name.value.trim() || "agent"));
  const status = h("p", { class: "status", id: "agent-status", role: "status" });
  const base = `/admin/agents/conversations/${encodeURIComponent(conv.conversation_id)}`;
  const act = async (path, body) => {
    status.textContent = "";
    try {
      await api(`${base}/${path}`, { method: "POST", body: { agent: name.value.trim() || "agent", ...body } });
      await showTranscript(api, box, conv.conversation_id);
    } catch (err) {
      status.textContent = err.message;
      status.className = "error";
    }
  };
  const text = (id, label, path, key) => {
    const area = h("textarea", { id, rows: "2", maxlength: "4000", "aria-label": label, placeholder: label });
    const form = h("form", { class: "agent-form", id: `${id}-form` }, area, h("button", { type: "submit" }, label));
    form.addEventListener("submit", (e) => { e.preventDefault(); if (area.value.trim()) act(path, { [key]: area.value.trim() }); });
    return form;
  };
  const closed = conv.status === "closed";
  return h("section", { class: "box", id: "agent-panel" }, h("h3", null, "Agent"),
    h("label", null, "Your name ", name), " ",
    h("button", { type: "button", id: "agent-take", disabled: closed, onclick: () => act("take", {}) }, conv.agent ? `Take over from ${conv.agent}` : "Take"), " ",
    h("button", { type: "button", id: "agent-hand-back", disabled: conv.status !== "handoff", onclick: () => act("hand-back", {}) }, "Hand back to the assistant"), " ",
    h("button", { type: "button", id: "agent-close", disabled: closed, onclick: () => act("close", {}) }, "Close"),
    closed ? null : text("agent-reply", "Reply to the customer", "reply", "text"),
    text("agent-note", "Add an internal note", "notes", "text"),
    status);
}

async function showTranscript(api, box, id) {
  clearInterval(refresher);
  const url = `/admin/agents/conversations/${encodeURIComponent(id)}`;
  const conv = await api(url);
  const log = h("div", { class: "transcript", id: "transcript" }, messagesView(conv.messages));
  const who = conv.agent ? ` · with ${conv.agent}` : "";
  const wait = conv.wait_s !== null && conv.wait_s !== undefined ? ` · waiting ${waited(conv.wait_s)}` : "";
  fill(box, h("h2", { id: "conversation-head" }, `Conversation ${conv.conversation_id} · ${conv.customer_id} · ${conv.lang} · ${conv.status}${who}${wait}`),
    packetView(conv.handoff, conv.customer_value), agentPanel(api, box, conv), log);
  let last = conv.messages.length ? conv.messages[conv.messages.length - 1].seq : 0;
  refresher = setInterval(async () => {
    if (!document.body.contains(log)) { clearInterval(refresher); return; }
    try {
      const now = await api(url);
      const fresh = now.messages.filter((m) => m.seq > last);
      if (fresh.length) { log.append(...messagesView(fresh)); last = fresh[fresh.length - 1].seq; }
    } catch { /* the next tick tries again */ }
  }, REFRESH_MS);
}

export async function renderConversations(panel, api) {
  const box = h("div", { id: "transcript-box" });
  const open = (v) => h("a", { href: "#conversations", class: "open-conv", onclick: (e) => { e.preventDefault(); showTranscript(api, box, v); } }, v);
  const [queue, all] = await Promise.all([
    api("/admin/agents/queue", { params: { limit: 100 } }),
    api("/admin/conversations", { params: { limit: 100 } }),
  ]);
  const cols = [
    { key: "conversation_id", label: "conversation", format: open },
    { key: "customer_id", label: "customer" }, { key: "lang" }, { key: "status" },
    { key: "started_at", label: "started", format: formatTime },
  ];
  const queueCols = [
    { key: "conversation_id", label: "conversation", format: open },
    { key: "customer_id", label: "customer" }, { key: "lang" },
    { key: "wait_s", label: "waiting", format: waited }, { key: "agent", format: (v) => v || "—" },
    { key: "reason" }, { key: "last_message", label: "last message" },
  ];
  fill(panel, h("h1", null, "Conversations"),
    h("section", { class: "box", id: "handoff-queue" }, h("h2", null, `With a human agent (${queue.total})`),
      queue.items.length ? table(queueCols, queue.items) : h("p", { class: "muted" }, "Nobody is waiting.")),
    box,
    h("section", { class: "box", id: "all-conversations" }, h("h2", null, `All conversations (${all.total})`),
      all.items.length ? table(cols, all.items) : h("p", { class: "muted" }, "No conversations yet.")));
}
