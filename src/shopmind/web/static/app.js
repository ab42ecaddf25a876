// Plain storefront over the ShopMind API: categories, a paged product grid and a detail view.
const state = { key: null, category: "", offset: 0, limit: 24, customer: "" };
const $ = (id) => document.getElementById(id);

async function api(path) {
  const res = await fetch(path, { headers: state.key ? { "X-API-Key": state.key } : {} });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

async function loadCategories() {
  const seen = new Map();
  let offset = 0;
  // Top-level categories from the first pages of the catalog.
  while (offset < 2000) {
    const page = await api(`/products?limit=500&offset=${offset}`);
    for (const p of page.items) {
      const top = (p.category || "").split(" > ")[0];
      if (top) seen.set(top, (seen.get(top) || 0) + 1);
    }
    offset += 500;
    if (offset >= page.total) break;
  }
  const ul = $("categories");
  ul.replaceChildren();
  for (const name of ["", ...[...seen.keys()].sort()]) {
    const li = text("li", name || "All products");
    li.onclick = () => { state.category = name; state.offset = 0; render(); };
    li.dataset.name = name;
    ul.append(li);
  }
}

async function render() {
  const params = new URLSearchParams({ limit: state.limit, offset: state.offset });
  if (state.category) params.set("category", state.category);
  if ($("lang").value) params.set("lang", $("lang").value);
  if ($("instock").checked) params.set("in_stock", "true");
  for (const li of $("categories").children) li.classList.toggle("active", li.dataset.name === state.category);
  try {
    const page = await api(`/products?${params}`);
    $("status").textContent = `${page.total} products`;
    const grid = $("grid");
    grid.replaceChildren();
    for (const p of page.items) {
      const card = document.createElement("div");
      card.className = "card";
      card.append(text("div", p.title), text("div", `${p.price.toFixed(2)} ${p.currency}`, "price"),
        text("div", `${p.brand} · ${p.category}`, "meta"));
      if (p.stock === 0) card.append(text("div", "out of stock", "out"));
      card.onclick = () => show(p.product_id);
      grid.append(card);
    }
    const pageNo = Math.floor(state.offset / state.limit) + 1;
    $("pageinfo").textContent = `page ${pageNo} of ${Math.max(1, Math.ceil(page.total / state.limit))}`;
    $("prev").disabled = state.offset === 0;
    $("next").disabled = state.offset + state.limit >= page.total;
  } catch (err) {
    $("status").textContent = `Error: ${err.message}`;
  }
}

function cards(target, items) {
  target.replaceChildren();
  for (const p of items) {
    const card = document.createElement("div");
    card.className = "card";
    card.append(text("div", p.title), text("div", `${p.price.toFixed(2)}`, "price"), text("div", p.category, "meta"));
    card.onclick = () => show(p.product_id);
    target.append(card);
  }
}

async function renderRail() {
  try {
    const forYou = state.customer
      ? await api(`/recommendations/${encodeURIComponent(state.customer)}?k=6`)
      : await api("/trending?k=6");
    $("rail-title").textContent = state.customer ? `For you (${forYou.source})` : "Trending";
    cards($("rail-items"), forYou.items);
  } catch (err) {
    $("rail-title").textContent = `Recommendations unavailable: ${err.message}`;
  }
}

async function show(id) {
  const p = await api(`/products/${encodeURIComponent(id)}`);
  const body = $("detail-body");
  body.replaceChildren(text("h2", p.title), text("p", p.description),
    text("p", `${p.price.toFixed(2)} ${p.currency} · ${p.brand} · ${p.category} · stock ${p.stock}`, "meta"));
  const attrs = Object.entries(p.attributes || {}).map(([k, v]) => `${k}: ${v}`).join(" · ");
  if (attrs) body.append(text("p", attrs, "meta"));
  $("detail").showModal();
  try {
    cards($("similar"), (await api(`/products/${encodeURIComponent(id)}/similar?k=4`)).items);
  } catch (err) {
    $("similar").textContent = err.message;
  }
}

async function main() {
  state.key = (await (await fetch("/web/config.json")).json()).storefront_key;
  $("prev").onclick = () => { state.offset = Math.max(0, state.offset - state.limit); render(); };
  $("next").onclick = () => { state.offset += state.limit; render(); };
  $("lang").onchange = () => { state.offset = 0; render(); };
  $("instock").onchange = () => { state.offset = 0; render(); };
  $("close").onclick = () => $("detail").close();
  $("login").onclick = () => {
    state.customer = $("customer").value.trim();
    $("who").textContent = state.customer || "guest";
    renderRail();
  };
  renderRail();
  try { await loadCategories(); } catch (err) { $("status").textContent = `Error: ${err.message}`; return; }
  render();
}

main();
