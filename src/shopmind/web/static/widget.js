// ShopMind widget: search, recommendations and a chat bubble for any shop's pages (docs/embed.md).
//   <script src="https://shopmind.host/web/widget.js" data-key="sm_st_…" data-api="https://shopmind.host"
//           data-chat="true" defer></script>
//   <div data-shopmind="search"></div>  <div data-shopmind="recommendations"></div>
// Plain script, no build step, nothing loaded from elsewhere. Every class starts with "smw-"; API text is
// only ever set as textContent. The shopper is a guest id kept in localStorage; events (view, click,
// add_to_cart) go to POST /shop/events (GET /search logs searches itself). The host page may report its
// own: ShopMind.track("add_to_cart", productId).
(function () {
  "use strict";
  if (window.ShopMind && window.ShopMind.ready) return; // included twice: the first one serves

  const script = document.currentScript;
  const attr = (name, fallback) => (script && script.getAttribute(name)) || fallback;
  const scriptOrigin = script && script.src ? new URL(script.src).origin : location.origin;
  const cfg = {
    key: attr("data-key", ""),
    api: attr("data-api", scriptOrigin).replace(/\/+$/, ""),
    chat: attr("data-chat", "false") === "true",
    productUrl: attr("data-product-url", ""), // e.g. "/products/{id}": a result click goes there
    k: Math.min(Math.max(Number(attr("data-k", "8")) || 8, 1), 24),
  };

  function randomId(prefix) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  function stored(storage, name, make) {
    let value = null;
    try { value = storage.getItem(name); } catch (e) { /* storage blocked: this page view only */ }
    if (!value || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
      value = make();
      try { storage.setItem(name, value); } catch (e) { /* ignore */ }
    }
    return value;
  }
  const guest = stored(localStorage, "shopmind.widget.guest", () => randomId("guest"));
  const session = stored(sessionStorage, "shopmind.widget.session", () => randomId("s"));
  const known = () => { try { return localStorage.getItem("shopmind.widget.known") === "1"; } catch (e) { return false; } };
  const markKnown = () => { try { localStorage.setItem("shopmind.widget.known", "1"); } catch (e) { /* ignore */ } };

  // ------------------------------------------------------------------ DOM and API helpers
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls.split(" ").map((c) => `smw-${c}`).join(" ");
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  async function api(path, { method = "GET", params, body, headers } = {}) {
    const url = new URL(cfg.api + path);
    for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== "") url.searchParams.set(k, v);
    const h = Object.assign({ Accept: "application/json", "X-API-Key": cfg.key }, headers || {});
    if (body !== undefined) h["Content-Type"] = "application/json";
    const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), mode: "cors", credentials: "omit" });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function track(type, productId, extra) {
    const body = Object.assign({ type, customer_id: guest, session_id: session }, extra || {});
    if (productId !== undefined && productId !== null) body.product_id = String(productId);
    markKnown();
    return api("/shop/events", { method: "POST", body }).then((r) => {
      document.dispatchEvent(new CustomEvent("shopmind:event", { detail: { type, product_id: body.product_id } }));
      return r;
    });
  }

  function price(p) {
    const n = Number(p.price);
    return Number.isFinite(n) ? `${n.toFixed(2)}${p.currency ? " " + p.currency : ""}` : "";
  }

  // A product card: title (a click is a "click" event), price, an add-to-cart button.
  function card(p, where) {
    const item = el("div", "card");
    item.dataset.productId = p.product_id;
    const title = el("a", "title", p.title || p.product_id);
    title.href = cfg.productUrl ? cfg.productUrl.replace("{id}", encodeURIComponent(p.product_id)) : "#";
    title.addEventListener("click", async (e) => {
      e.preventDefault();
      await track("click", p.product_id).catch(() => null);
      item.dispatchEvent(new CustomEvent("shopmind:click", { bubbles: true, detail: { product_id: p.product_id, from: where } }));
      if (cfg.productUrl) location.href = title.href;
    });
    const add = el("button", "add", "Add to cart");
    add.type = "button";
    add.addEventListener("click", async () => {
      add.disabled = true;
      try {
        await track("add_to_cart", p.product_id);
        add.textContent = "Added ✓";
        item.dispatchEvent(new CustomEvent("shopmind:add_to_cart", { bubbles: true, detail: { product_id: p.product_id } }));
      } catch (err) {
        add.textContent = "Try again";
        add.disabled = false;
      }
    });
    item.append(title, el("span", "price", price(p)), add);
    return item;
  }

  // ------------------------------------------------------------------ search box with suggestions
  function mountSearch(host) {
    const form = el("form", "search");
    const input = el("input", "input");
    Object.assign(input, { type: "search", placeholder: host.getAttribute("data-placeholder") || "Search products", autocomplete: "off" });
    input.setAttribute("aria-label", "search products");
    const go = el("button", "go", "Search");
    go.type = "submit";
    const list = el("ul", "suggest");
    const results = el("div", "results");
    form.append(input, go, list);
    host.append(form, results);
    let timer = null;
    let asked = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q) { clear(list); return; }
      timer = setTimeout(async () => {
        const mine = ++asked;
        const data = await api("/suggest", { params: { q: q.slice(0, 100), k: 6 } }).catch(() => null);
        if (mine !== asked || !data) return; // a later keystroke owns the list
        clear(list);
        for (const s of data.suggestions) {
          const li = el("li", "option", s.text);
          li.addEventListener("mousedown", (e) => { e.preventDefault(); input.value = s.text; clear(list); run(); });
          list.append(li);
        }
      }, 200);
    });
    input.addEventListener("blur", () => setTimeout(() => clear(list), 150));
    async function run() {
      const q = input.value.trim().slice(0, 500);
      if (!q) return;
      clear(list);
      results.dataset.state = "loading";
      try {
        const data = await api("/search", { params: { q, page_size: cfg.k, customer_id: guest, session_id: session } });
        markKnown();
        clear(results);
        if (!data.products.length) results.append(el("p", "empty", data.message || "No products found."));
        for (const p of data.products) results.append(card(p, "search"));
        if ((data.related || []).length) {
          results.append(el("p", "related", /[\u4e00-\u9fff]/.test(q) ? "相关商品" : "Related products"));
          for (const p of data.related) results.append(card(p, "search"));
        }
        results.dataset.state = "done";
      } catch (err) {
        clear(results);
        results.append(el("p", "error", err.message));
        results.dataset.state = "error";
      }
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  }

  // ------------------------------------------------------------------ recommendations carousel
  async function mountRecommendations(host) {
    const title = el("h3", "heading", host.getAttribute("data-title") || "Recommended for you");
    const row = el("div", "carousel");
    host.append(title, row);
    try {
      // a new visitor gets trending; a guest with activity gets the recommender's list for their id
      const data = known()
        ? await api(`/recommendations/${encodeURIComponent(guest)}`, { params: { k: cfg.k } })
        : await api("/trending", { params: { k: cfg.k } });
      host.dataset.source = data.source;
      for (const p of data.items) row.append(card(p, "recommendations"));
      host.dataset.state = "done";
    } catch (err) {
      row.append(el("p", "error", err.message));
      host.dataset.state = "error";
    }
  }

  // A product page: <div data-shopmind="similar" data-product-id="P1"> sends a view and shows similar products.
  async function mountSimilar(host) {
    const id = (host.getAttribute("data-product-id") || "").slice(0, 128);
    if (!id) return;
    track("view", id).catch(() => null);
    const row = el("div", "carousel");
    host.append(el("h3", "heading", host.getAttribute("data-title") || "You may also like"), row);
    try {
      const data = await api(`/products/${encodeURIComponent(id)}/similar`, { params: { k: cfg.k } });
      for (const p of data.items) row.append(card(p, "similar"));
      host.dataset.state = "done";
    } catch (err) {
      row.append(el("p", "error", err.message));
      host.dataset.state = "error";
    }
  }

  // ------------------------------------------------------------------ chat bubble
  function mountChat() {
    const open = el("button", "chat-open", "Chat");
    open.type = "button";
    open.setAttribute("aria-label", "open chat");
    const panel = el("section", "chat");
    panel.hidden = true;
    const close = el("button", "chat-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "close chat");
    const head = el("header", "chat-head", "Shop assistant");
    head.append(close);
    const log = el("div", "chat-log");
    log.setAttribute("aria-live", "polite");
    const form = el("form", "chat-form");
    const input = el("input", "chat-input");
    Object.assign(input, { placeholder: "Ask about delivery, returns…", autocomplete: "off", maxLength: 2000 });
    input.setAttribute("aria-label", "message");
    const send = el("button", "chat-send", "Send");
    send.type = "submit";
    form.append(input, send);
    panel.append(head, log, form);
    document.body.append(open, panel);
    const note = el("p", "chat-note", "At most 2,000 characters per message: the rest was cut.");
    note.hidden = true;
    panel.insertBefore(note, form);
    input.addEventListener("input", () => { note.hidden = input.value.length < 2000; });
    let chat = null; // { token, seq } of this tab's conversation
    try { chat = JSON.parse(sessionStorage.getItem("shopmind.widget.chat") || "null"); } catch (e) { chat = null; }
    const keep = () => { try { sessionStorage.setItem("shopmind.widget.chat", JSON.stringify(chat)); } catch (e) { /* ignore */ } };
    const say = (role, text) => { const m = el("div", `msg ${role}`, text); log.append(m); log.scrollTop = log.scrollHeight; return m; };
    // A reply citing a document ends with the citation line: shown once, as a link to the document.
    const answer = (res) => {
      const cites = res.citations || [];
      const m = say("assistant", cites.length ? res.reply.split("\n").slice(0, -1).join("\n") : res.reply);
      for (const c of cites) {
        const a = el("a", "cite", `${res.lang === "zh" ? "来源" : "Source"}: ${c.title}`);
        if (c.url) a.href = /^https?:/.test(c.url) ? c.url : cfg.api + c.url;
        a.target = "_blank";
        a.rel = "noopener";
        m.append(el("br"), a);
      }
      // the products it suggests: a click is a "click" event with the reply's impression_id
      const seen = new Set();
      for (const act of res.actions || []) {
        if (!act.ok || !["search_products", "recommend_products"].includes(act.tool)) continue;
        for (const p of (act.data && act.data.products) || []) {
          if (seen.has(p.product_id)) continue;
          seen.add(p.product_id);
          const link = el("a", "suggested", p.title || p.product_id);
          link.dataset.productId = p.product_id;
          link.href = cfg.productUrl ? cfg.productUrl.replace("{id}", encodeURIComponent(p.product_id)) : "#";
          link.addEventListener("click", async (e) => {
            e.preventDefault();
            const extra = res.impression_id ? { impression_id: res.impression_id } : {};
            await track("click", p.product_id, extra).catch(() => null);
            if (cfg.productUrl) location.href = link.href;
          });
          m.append(el("br"), link);
        }
      }
    };
    // While a human agent has the conversation: poll for the agent's messages.
    let poller = null;
    const watch = (status) => {
      clearInterval(poller);
      if (status !== "handoff" || !chat) return;
      poller = setInterval(async () => {
        if (panel.hidden) return;
        try {
          const res = await api("/chat/messages", { params: { after: chat.seq || 0 }, headers: { "X-Chat-Token": chat.token } });
          for (const m of res.messages) {
            chat.seq = Math.max(chat.seq || 0, m.seq);
            if (m.role === "agent") say("agent", m.text);
          }
          keep();
          if (res.status !== "handoff") clearInterval(poller);
        } catch (e) { /* the next tick tries again */ }
      }, 3000);
    };
    open.addEventListener("click", () => { panel.hidden = false; open.hidden = true; input.focus(); });
    close.addEventListener("click", () => { panel.hidden = true; open.hidden = false; });
    async function ask(text, retry) {
      if (!chat) {
        const lang = (document.documentElement.lang || "").startsWith("zh") ? "zh" : "en";
        const s = await api("/chat/sessions", { method: "POST", body: { customer_id: guest, lang } });
        chat = { token: s.token, seq: 0 };
        keep();
      }
      try {
        return await api("/chat", { method: "POST", body: { message: text }, headers: { "X-Chat-Token": chat.token } });
      } catch (err) {
        if (err.status === 401 && !retry) { chat = null; return ask(text, true); } // session expired
        throw err;
      }
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      say("customer", text);
      const waiting = say("assistant typing", "…");
      try {
        const res = await ask(text.slice(0, 2000), false);
        waiting.remove();
        if (res.reply) answer(res); // empty while a human agent has the conversation
        watch(res.status);
      } catch (err) {
        waiting.remove();
        say("assistant error", err.message);
      }
    });
  }

  // ------------------------------------------------------------------ styles (scoped by the smw- prefix)
  const CSS = `
.smw-search{position:relative;display:flex;gap:.4em;font:14px/1.4 system-ui,sans-serif}
.smw-input{flex:1;padding:.4em .6em;border:1px solid #bbb;border-radius:4px}
.smw-go,.smw-add,.smw-chat-send,.smw-chat-open{cursor:pointer;border:0;border-radius:4px;padding:.4em .8em;background:#2d6cdf;color:#fff}
.smw-suggest{position:absolute;top:100%;left:0;right:0;margin:0;padding:0;list-style:none;background:#fff;z-index:2147483000;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.smw-suggest:empty{display:none}
.smw-option{padding:.3em .6em;cursor:pointer}.smw-option:hover{background:#eef3fc}
.smw-results,.smw-carousel{display:flex;flex-wrap:wrap;gap:.6em;margin-top:.6em;font:14px/1.4 system-ui,sans-serif}
.smw-carousel{flex-wrap:nowrap;overflow-x:auto}
.smw-card{display:flex;flex-direction:column;gap:.3em;width:11em;flex:0 0 auto;padding:.6em;border:1px solid #ddd;border-radius:6px;background:#fff}
.smw-title{color:#1a3d8f;text-decoration:none}.smw-price{color:#555}
.smw-error{color:#b00020}
.smw-chat-open{position:fixed;right:1.2em;bottom:1.2em;z-index:2147483000;border-radius:2em;padding:.7em 1.2em}
.smw-chat{position:fixed;right:1.2em;bottom:1.2em;z-index:2147483000;width:20em;max-height:28em;display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif}
.smw-chat[hidden],.smw-chat-open[hidden]{display:none}
.smw-chat-head{display:flex;justify-content:space-between;padding:.5em .8em;background:#2d6cdf;color:#fff;border-radius:8px 8px 0 0}
.smw-chat-close{background:none;border:0;color:#fff;font-size:1.2em;cursor:pointer}
.smw-chat-log{flex:1;overflow-y:auto;padding:.6em;display:flex;flex-direction:column;gap:.4em;min-height:8em}
.smw-msg{padding:.4em .6em;border-radius:6px;max-width:85%;white-space:pre-wrap}
.smw-customer{align-self:flex-end;background:#dbe7fb}.smw-assistant{align-self:flex-start;background:#f1f1f1}
.smw-agent{align-self:flex-start;background:#e6f4ea}.smw-cite{color:#1a3d8f}.smw-chat-note{margin:0 .6em;font-size:12px;color:#b00020}
.smw-chat-note[hidden]{display:none}
.smw-chat-form{display:flex;gap:.3em;padding:.5em;border-top:1px solid #eee}.smw-chat-input{flex:1;padding:.3em}`;

  function start() {
    const style = el("style");
    style.textContent = CSS;
    document.head.append(style);
    for (const host of document.querySelectorAll('[data-shopmind="search"]')) mountSearch(host);
    for (const host of document.querySelectorAll('[data-shopmind="recommendations"]')) mountRecommendations(host);
    for (const host of document.querySelectorAll('[data-shopmind="similar"]')) mountSimilar(host);
    if (cfg.chat) mountChat();
  }

  window.ShopMind = {
    ready: true,
    guestId: guest,
    // the host page reports a shopper's action: ShopMind.track("add_to_cart", "P123")
    track: (type, productId) => track(type, productId),
  };
  if (!cfg.key) { console.warn("ShopMind widget: data-key (a storefront key) is missing"); return; }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
