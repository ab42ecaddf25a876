// The chat widget: the shop assistant in Chinese or English. Anyone can ask about policies, delivery and
// products as a guest (POST /chat/sessions with the shopper's guest id); the demo shop signs the chosen
// demo customer in with the e-mail on file, and "Sign in for order help" opens the sign-in form. While a
// human agent has the conversation, the widget polls GET /chat/messages for the agent's replies.
import { fill, h } from "./dom.js";
import { api, clicked, isGuest, newGuest, onChange, shop } from "./shop.js";

const TOKEN = "shopmind.chat";
const MAX = 2000; // characters of one message (the API's MAX_MESSAGE_CHARS)
const POLL_MS = 2500;
let session = JSON.parse(sessionStorage.getItem(TOKEN) || "null");
let email = null;
let poller = null;

function save(value) {
  session = value;
  sessionStorage.setItem(TOKEN, JSON.stringify(value));
}

const zh = (lang) => (lang || document.documentElement.lang) === "zh";

// The products a reply suggests (its search_products / recommend_products results), in the order listed.
function suggestions(res) {
  const seen = new Set();
  const out = [];
  for (const a of res.actions || []) {
    if (!a.ok || !["search_products", "recommend_products"].includes(a.tool)) continue;
    for (const p of (a.data && a.data.products) || []) if (!seen.has(p.product_id)) { seen.add(p.product_id); out.push(p); }
  }
  return out;
}

// A message bubble. A reply that cites a document ends with the citation line: shown once, as a link.
// The products it suggests are links to their pages; a click sends the reply's impression_id.
function bubble(m) {
  const cites = m.citations || [];
  const text = cites.length ? m.text.split("\n").slice(0, -1).join("\n") : m.text;
  const extra = cites.map((c) => h("a", { class: "cite", href: c.url || "#" }, `${zh(m.lang) ? "来源" : "Source"}: ${c.title}`));
  for (const p of m.products || []) {
    extra.push(h("a", { class: "suggested", href: `#/p/${encodeURIComponent(p.product_id)}`, dataset: { id: p.product_id },
      onclick: () => clicked(p.product_id, m.impression) }, p.title || p.product_id));
  }
  if (m.handoff) extra.push(h("div", { class: "handoff" }, zh(m.lang) ? "已为您转接人工客服" : "A human agent will take over this conversation."));
  if (m.role === "agent") extra.unshift(h("div", { class: "who" }, m.agent || "Agent"));
  return h("div", { class: `msg ${m.role}`, dataset: { role: m.role } }, h("div", { class: "text" }, text),
    extra.length ? h("div", { class: "extra" }, extra) : null);
}

async function open(customerId, mail) {
  const lang = zh() ? "zh" : undefined;
  const body = mail === undefined ? { customer_id: customerId, lang } : { customer_id: customerId, email: mail, lang };
  const res = await api("/chat/sessions", { method: "POST", body });
  save({ owner: shop.customer, customer: customerId, guest: mail === undefined, token: res.token, conversation: res.conversation_id, log: [], seq: 0, status: "open" });
}

async function send(text) {
  const res = await fetch("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": shop.key, "X-Chat-Token": session.token },
    body: JSON.stringify({ message: text }),
  });
  const body = await res.json();
  if (res.status === 401) { save(null); throw new Error(body.error.message); }
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

// While a human has the conversation: fetch the agent's messages (the others came with the replies).
function watch(panel, log) {
  clearInterval(poller);
  if (!session || session.status !== "handoff") return;
  poller = setInterval(async () => {
    if (panel.root.hidden || !session) return;
    try {
      const got = await fetch(`/chat/messages?after=${session.seq}`, { headers: { "X-API-Key": shop.key, "X-Chat-Token": session.token } });
      if (!got.ok) return;
      const res = await got.json();
      for (const m of res.messages) {
        session.seq = Math.max(session.seq, m.seq);
        if (m.role !== "agent") continue;
        const entry = { role: "agent", text: m.text, agent: res.agent };
        session.log.push(entry);
        log.append(bubble(entry));
        log.scrollTop = log.scrollHeight;
      }
      session.status = res.status;
      session.agent = res.agent;
      panel.root.dataset.status = res.status;
      save(session);
      if (res.status !== "handoff") clearInterval(poller);
    } catch { /* the next tick tries again */ }
  }, POLL_MS);
}

function signInForm(panel) {
  const id = h("input", { name: "customer", value: isGuest() ? "" : shop.customer, placeholder: "customer id", "aria-label": "customer id" });
  const mail = h("input", { name: "email", type: "email", value: email || "", placeholder: "e-mail on file", "aria-label": "e-mail" });
  const err = h("p", { class: "error" });
  const back = h("button", { type: "button", class: "link", onclick: () => render(panel) }, "Back to chat · 返回");
  const f = h("form", { id: "chat-login" }, h("p", null, "Sign in for help with your orders · 登录后查询订单"), id, mail,
    h("button", { type: "submit" }, "Sign in"), back, err);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await open(id.value.trim(), mail.value.trim()); render(panel); } catch (ex) { err.textContent = ex.message; }
  });
  fill(panel.body, f);
}

function render(panel) {
  const log = h("div", { class: "log", id: "chat-log", "aria-live": "polite" });
  const input = h("input", { id: "chat-input", maxlength: String(MAX), placeholder: "Ask about returns, delivery, an order… · 问退货、配送、订单…", autocomplete: "off", "aria-label": "message" });
  const note = h("p", { class: "chat-note", id: "chat-note", hidden: true });
  input.addEventListener("input", () => {
    note.hidden = input.value.length < MAX;
    note.textContent = `At most ${MAX.toLocaleString("en")} characters per message: the rest was cut · 每条消息最多${MAX}字`;
  });
  const form = h("form", { id: "chat-form" }, input, h("button", { type: "submit" }, "Send"));
  const signIn = session.guest
    ? h("button", { type: "button", id: "chat-sign-in", class: "link", onclick: () => signInForm(panel) }, "Sign in for order help · 登录查询订单")
    : null;
  for (const m of session.log) log.append(bubble(m));
  if (!session.log.length) log.append(bubble({ role: "assistant", text: "Hi! How can I help? · 您好，请问有什么可以帮您？" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    note.hidden = true;
    const mine = { role: "customer", text };
    log.append(bubble(mine));
    const typing = h("div", { class: "msg assistant typing" }, "…");
    log.append(typing);
    log.scrollTop = log.scrollHeight;
    try {
      const res = await send(text);
      session.log.push(mine);
      if (res.reply) {
        const entry = { role: "assistant", text: res.reply, handoff: res.template === "handoff", lang: res.lang, citations: res.citations,
          products: suggestions(res).map(({ product_id, title }) => ({ product_id, title })), impression: res.impression_id };
        session.log.push(entry);
        typing.replaceWith(bubble(entry));
      } else typing.remove(); // a human has the conversation: the assistant stays silent
      session.status = res.status;
      save(session);
      panel.root.dataset.turns = String(session.log.filter((m) => m.role === "customer").length);
      panel.root.dataset.status = res.status;
      watch(panel, log);
    } catch (err) {
      typing.replaceWith(h("div", { class: "msg assistant error" }, err.message));
    }
    log.scrollTop = log.scrollHeight;
  });
  fill(panel.body, log, note, form, signIn);
  log.scrollTop = log.scrollHeight;
  watch(panel, log);
  input.focus();
}

export async function setup() {
  if (!shop.key) return;
  const body = h("div", { class: "chat-body" });
  const root = h("section", { id: "chat", class: "chat", hidden: true, "aria-label": "chat" },
    h("header", null, "Shop assistant · 客服", h("button", { class: "close", "aria-label": "close", onclick: () => { root.hidden = true; } }, "×")), body);
  const panel = { root, body };
  const start = async () => {
    root.hidden = false;
    if (!session || session.owner !== shop.customer) {
      try {
        if (shop.demo && !isGuest()) {
          const me = (await api("/shop/customers", { params: { limit: 200 } })).find((c) => c.customer_id === shop.customer);
          email = me ? me.email : null;
          if (email) await open(shop.customer, email);
        }
        // a guest's conversation (a demo customer whose sign-in failed asks as a new guest)
        if (!session || session.owner !== shop.customer) await open(isGuest() ? shop.customer : newGuest());
      } catch (err) {
        fill(body, h("p", { class: "error" }, err.message));
        return;
      }
    }
    render(panel);
  };
  const button = h("button", { id: "chat-open", class: "chat-open", onclick: start }, "Chat · 客服");
  document.body.append(button, root);
  onChange((what) => { if (what === "customer") { clearInterval(poller); save(null); email = null; if (!root.hidden) start(); } });
}
