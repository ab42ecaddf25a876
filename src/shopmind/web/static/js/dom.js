// Tiny DOM helpers: h() builds elements, money() formats prices, highlighted() renders <em> safely.

export const $ = (sel, root = document) => root.querySelector(sel);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function money(value, currency = "CNY") {
  const sign = { CNY: "¥", USD: "$", EUR: "€", GBP: "£" }[currency];
  const num = Number(value).toFixed(2);
  return sign ? `${sign}${num}` : `${num} ${currency}`;
}

// Server-made highlight HTML (escaped text with <em> around matches) as nodes: only text and <em> survive.
export function highlighted(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  const out = document.createDocumentFragment();
  for (const node of tpl.content.childNodes) {
    out.append(node.nodeName === "EM" ? h("em", null, node.textContent) : node.textContent);
  }
  return out;
}

export function toast(message) {
  const el = h("div", { class: "toast", role: "status" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 3500);
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// replaceChildren that skips null/false and flattens arrays (replaceChildren would print "null").
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}
