// The chat widget: the shop assistant in Chinese or English. The demo shop logs the chosen demo
// customer in with the e-mail on file (POST /chat/sessions); the session token stays in this tab.
import { $, fill, h } from "./dom.js";
import { api, isGuest, onChange, shop } from "./shop.js";

const TOKEN = "shopmind.chat";
let session = JSON.parse(sessionStorage.getItem(TOKEN) || "null");
let email = null;

function save(value) {
  session = value;
  sessionStorage.setItem(TOKEN, JSON.stringify(value));
}

function bubble(role, text, extra) {
  return h("div", { class: `msg ${role}` }, h("div", { class: "text" }, text), extra);
}

function details(res) {
  const bits = [];
  for (const c of res.citations || []) bits.push(h("div", { class: "cite" }, `Source: ${c.title}`));
  if (res.handoff) bits.push(h("div", { class: "handoff" }, res.lang === "zh" ? "已为您转接人工客服" : "A human agent will take over this conversation."));
  return bits.length ? h("div", { class: "extra" }, bits) : null;
}

async function login(customerId, mail) {
  const lang = document.documentElement.lang === "zh" ? "zh" : undefined;
  const res = await api("/chat/sessions", { method: "POST", body: { customer_id: customerId, email: mail, lang } });
  save({ customer: customerId, token: res.token, conversation: res.conversation_id, log: [] });
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

function render(panel) {
  const log = h("div", { class: "log", id: "chat-log", "aria-live": "polite" });
  const input = h("input", { id: "chat-input", placeholder: "Ask about an order, returns… · 问订单、退货…", autocomplete: "off", "aria-label": "message" });
  const form = h("form", { id: "chat-form" }, input, h("button", { type: "submit" }, "Send"));
  if (!session || session.customer !== shop.customer) {
    const id = h("input", { name: "customer", value: isGuest() ? "" : shop.customer, placeholder: "customer id", "aria-label": "customer id" });
    const mail = h("input", { name: "email", type: "email", value: email || "", placeholder: "e-mail on file", "aria-label": "e-mail" });
    const err = h("p", { class: "error" });
    const f = h("form", { id: "chat-login" }, h("p", null, "Sign in to chat · 登录后咨询"), id, mail, h("button", { type: "submit" }, "Start chat"), err);
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { await login(id.value.trim(), mail.value.trim()); render(panel); } catch (ex) { err.textContent = ex.message; }
    });
    fill(panel.body, f);
    return;
  }
  for (const m of session.log) log.append(bubble(m.role, m.text, m.handoff ? details(m) : null));
  if (!session.log.length) log.append(bubble("assistant", "Hi! How can I help? · 您好，请问有什么可以帮您？"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    log.append(bubble("customer", text));
    const typing = bubble("assistant typing", "…");
    log.append(typing);
    log.scrollTop = log.scrollHeight;
    try {
      const res = await send(text);
      typing.replaceWith(bubble("assistant", res.reply, details(res)));
      session.log.push({ role: "customer", text }, { role: "assistant", text: res.reply, handoff: res.handoff, lang: res.lang, citations: res.citations });
      save(session);
      panel.root.dataset.turns = String(session.log.length / 2);
    } catch (err) {
      typing.replaceWith(bubble("assistant error", err.message));
    }
    log.scrollTop = log.scrollHeight;
  });
  fill(panel.body, log, form);
  log.scrollTop = log.scrollHeight;
  input.focus();
}

export async function setup() {
  if (!shop.key) return;
  const body = h("div", { class: "chat-body" });
  const root = h("section", { id: "chat", class: "chat", hidden: true, "aria-label": "chat" },
    h("header", null, "Shop assistant · 客服", h("button", { class: "close", "aria-label": "close", onclick: () => { root.hidden = true; } }, "×")), body);
  const panel = { root, body };
  const open = async () => {
    root.hidden = false;
    if ((!session || session.customer !== shop.customer) && shop.demo && !isGuest()) {
      try {
        const me = (await api("/shop/customers", { params: { limit: 200 } })).find((c) => c.customer_id === shop.customer);
        email = me ? me.email : null;
        if (email) await login(shop.customer, email);
      } catch { /* fall back to the sign-in form */ }
    }
    render(panel);
  };
  const button = h("button", { id: "chat-open", class: "chat-open", onclick: open }, "Chat · 客服");
  document.body.append(button, root);
  onChange((what) => { if (what === "customer") { save(null); email = null; if (!root.hidden) open(); } });
}
