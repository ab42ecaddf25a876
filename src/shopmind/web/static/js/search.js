// Search: autocomplete in the header box, results with the parsed query as chips, facets, pages.
import { fill, h } from "./dom.js";
import { grid } from "./cards.js";
import { api, shop } from "./shop.js";

const PAGE_SIZE = 24;
const MAX_Q = 1000; // the longest query GET /search takes (docs/search.md); a longer one is cut here
const REMOVABLE = new Set(["price", "sort", "exclude", "brand", "category", "colour", "size", "attribute"]);
const SORTS = { "": "best match", price_asc: "price ↑", price_desc: "price ↓", best_selling: "best selling", newest: "newest" };

export function searchHref(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null && one !== "") q.append(k, one);
  }
  return `#/search?${q}`;
}

export function parseParams(search) {
  const q = new URLSearchParams(search);
  return {
    q: q.get("q") || "",
    page: Number(q.get("page") || 1),
    sort: q.get("sort") || "",
    brand: q.getAll("brand"),
    category: q.get("category") || "",
    attr: q.getAll("attr"),
    min_price: q.get("min_price") || "",
    max_price: q.get("max_price") || "",
    in_stock: q.get("in_stock") || "",
    spell: q.get("spell") || "",
  };
}

// ------------------------------------------------------------------ autocomplete
export function setupAutocomplete(form, input, list) {
  let timer = null;
  let active = -1;
  let seq = 0;
  const close = () => { list.hidden = true; fill(list); active = -1; input.setAttribute("aria-expanded", "false"); };
  const go = (text) => { close(); input.value = text; location.hash = searchHref({ q: text }); };
  const mark = () => [...list.children].forEach((li, i) => li.classList.toggle("active", i === active));

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value;
    if (!text.trim()) return close();
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const res = await api("/suggest", { params: { q: text, k: 8 } });
        if (mine !== seq || input.value !== text) return; // a newer keystroke won
        fill(list, ...res.suggestions.map((s) =>
          h("li", { role: "option", class: "suggestion", onmousedown: (e) => { e.preventDefault(); go(s.text); } },
            s.text, h("small", null, s.source === "query_log" ? " popular search" : ""))));
        list.hidden = !res.suggestions.length;
        input.setAttribute("aria-expanded", String(!list.hidden));
        active = -1;
      } catch { close(); }
    }, 120);
  });
  input.addEventListener("keydown", (e) => {
    const n = list.children.length;
    if (list.hidden || !n) return;
    if (e.key === "ArrowDown") { active = (active + 1) % n; mark(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = (active - 1 + n) % n; mark(); e.preventDefault(); }
    else if (e.key === "Escape") close();
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); go(list.children[active].firstChild.textContent); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    seq++;
    go(input.value.trim());
  });
}

// ------------------------------------------------------------------ results
function removeText(q, text) {
  const i = q.toLowerCase().indexOf(String(text).toLowerCase());
  const out = i < 0 ? q : q.slice(0, i) + q.slice(i + text.length);
  return out.replace(/\s+/g, " ").trim();
}

function chipLabel(c) {
  if (c.label) return c.label; // the server's label, in the shopper's language
  if (c.type === "price") {
    if (c.min != null && c.max != null) return `price ${c.min}–${c.max}`;
    return c.max != null ? `price ≤ ${c.max}` : `price ≥ ${c.min}`;
  }
  if (c.type === "exclude") return `not ${c.value ?? c.text}`;
  if (c.type === "sort") return `sort: ${SORTS[c.value] || c.value}`;
  const field = (c.field || c.type).replace("attributes.", "");
  return `${field}: ${c.value ?? c.text}`;
}

function chips(params, parsed) {
  const out = [];
  for (const c of parsed.chips || []) {
    // removable when its words are in the query (a chip read from a pinyin spelling is not)
    if (REMOVABLE.has(c.type) && params.q.toLowerCase().includes(String(c.text).toLowerCase())) {
      const next = { ...params, q: removeText(params.q, c.text), page: 1 };
      out.push(h("a", { class: "chip", href: searchHref(next), title: `remove “${c.text}” from the query`, dataset: { type: c.type } },
        chipLabel(c), h("span", { class: "x", "aria-hidden": "true" }, "×")));
    } else if (REMOVABLE.has(c.type)) {
      out.push(h("span", { class: "chip info", dataset: { type: c.type } }, chipLabel(c)));
    } else if (c.type === "correction" || c.type === "pinyin" || c.type === "price_intent") {
      out.push(h("span", { class: "chip info", dataset: { type: c.type } }, chipLabel(c)));
    }
  }
  const filter = (label, next) =>
    out.push(h("a", { class: "chip filter", href: searchHref({ ...next, page: 1 }), title: "remove this filter" },
      label, h("span", { class: "x", "aria-hidden": "true" }, "×")));
  for (const b of params.brand) filter(`brand: ${b}`, { ...params, brand: params.brand.filter((x) => x !== b) });
  for (const a of params.attr) filter(a.replace(":", ": "), { ...params, attr: params.attr.filter((x) => x !== a) });
  if (params.category) filter(`category: ${params.category}`, { ...params, category: "" });
  if (params.min_price || params.max_price)
    filter(`price ${params.min_price || 0}–${params.max_price || "…"}`, { ...params, min_price: "", max_price: "" });
  if (params.in_stock) filter("in stock", { ...params, in_stock: "" });
  return out;
}

function facetList(params, facets, labels) {
  const groups = [];
  for (const [name, values] of Object.entries(facets)) {
    if (name === "price") {
      groups.push(h("div", { class: "facet", dataset: { facet: "price" } }, h("h3", null, labels?.price || "price"),
        h("ul", null, values.map((b) => h("li", null, h("a", {
          href: searchHref({ ...params, min_price: b.min, max_price: b.max ?? "", page: 1 }),
        }, b.max == null ? `${b.min}+` : `${b.min}–${b.max}`, h("small", null, ` ${b.count}`)))))));
      continue;
    }
    const key = name.replace("attributes.", "");
    if (labels && !(name in labels)) continue; // the same attribute in the other language
    const link = (v) => {
      if (name === "brand") return { ...params, brand: [...new Set([...params.brand, v])] };
      if (name === "category") return { ...params, category: v };
      return { ...params, attr: [...new Set([...params.attr, `${key}:${v}`])] };
    };
    groups.push(h("div", { class: "facet", dataset: { facet: key } }, h("h3", null, labels?.[name] || key),
      h("ul", null, values.map((v) => h("li", null,
        h("a", { href: searchHref({ ...link(v.value), page: 1 }) }, v.value, h("small", null, ` ${v.count}`)))))));
  }
  return groups;
}

function pager(params, total, pageSize) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages === 1) return h("nav", { class: "pager" });
  const page = Math.min(params.page, pages);
  const link = (n, label = String(n)) =>
    n === page ? h("span", { class: "current", "aria-current": "page" }, label)
      : h("a", { href: searchHref({ ...params, page: n }), dataset: { page: n } }, label);
  const nums = [];
  for (let n = Math.max(1, page - 3); n <= Math.min(pages, page + 3); n++) nums.push(link(n));
  return h("nav", { class: "pager", "aria-label": "pages" },
    page > 1 ? h("a", { href: searchHref({ ...params, page: page - 1 }), class: "prev" }, "‹ prev") : null,
    nums, page < pages ? h("a", { href: searchHref({ ...params, page: page + 1 }), class: "next" }, "next ›") : null,
    h("small", null, ` page ${page} of ${pages}`));
}

export async function renderSearch(view, side, params) {
  const typed = params.q.length;
  if (typed > MAX_Q) params = { ...params, q: params.q.slice(0, MAX_Q) };
  fill(view, h("p", { class: "status" }, "Searching…"));
  const res = await api("/search", {
    params: { ...params, page_size: PAGE_SIZE, customer_id: shop.customer, session_id: shop.session },
  });
  const sort = h("select", { id: "sort", "aria-label": "sort", onchange: (e) => { location.hash = searchHref({ ...params, sort: e.target.value, page: 1 }); } },
    Object.entries(SORTS).map(([v, label]) => h("option", { value: v, selected: v === params.sort }, label)));
  const zh = res.parsed?.lang === "zh";
  const related = res.related || [];
  fill(view,
    h("div", { class: "chips", id: "chips" }, chips(params, res.parsed)),
    typed > MAX_Q ? h("p", { class: "notice", id: "query-cut" },
      `Your search was cut to its first ${MAX_Q.toLocaleString("en")} characters (it had ${typed.toLocaleString("en")}).`) : null,
    corrected(params, res, zh),
    h("div", { class: "toolbar" },
      h("p", { class: "status", id: "result-count" }, params.q ? `${res.total} results for “${res.corrected?.query || params.q}”` : `${res.total} products`),
      h("label", null, "sort ", sort)),
    res.message ? h("p", { class: "notice", id: "search-notice" }, res.message) : null,
    res.products.length ? grid(res.products, { highlight: true, impression: res.impression_id })
      : res.message ? null : h("p", { class: "empty" }, "No products found. Try fewer words."),
    pager(params, res.total, res.page_size),
    related.length ? h("section", { class: "related", id: "related" },
      h("h2", null, zh ? "相关商品" : "Related products",
        h("small", null, zh ? "（与搜索不完全匹配）" : " (not an exact match)")),
      grid(related, { highlight: true })) : null,
  );
  fill(side, h("h2", null, "Refine"), facetList(params, res.facets || {}, res.facet_labels));
}

// "Showing results for X — search instead for Y" when a word was corrected or read as pinyin.
function corrected(params, res, zh) {
  if (!res.corrected) return null;
  const instead = h("a", { id: "search-instead", href: searchHref({ ...params, spell: "false", page: 1 }) }, res.corrected.original);
  return h("p", { class: "corrected", id: "corrected" },
    zh ? "显示的是“" : "Showing results for “", h("strong", null, res.corrected.query),
    zh ? "”的结果 — 仍然搜索 " : "” — search instead for ", instead);
}
