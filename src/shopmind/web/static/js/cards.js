// Product cards and recommendation rails.
import { fill, h, highlighted, money } from "./dom.js";
import { api, clicked, shop } from "./shop.js";

// `impression`: the impression_id of the answer that showed the card (sent back with its click).
export function productCard(p, { highlight, impression } = {}) {
  const title = highlight && p.highlights ? highlighted(p.highlights.title) : p.title;
  const inStock = p.in_stock ?? (p.stock === undefined || p.stock > 0);
  return h(
    "a",
    { class: "card", href: `#/p/${encodeURIComponent(p.product_id)}`, dataset: { id: p.product_id },
      onclick: () => clicked(p.product_id, impression) },
    h("div", { class: "thumb", "aria-hidden": "true" }, (p.category || "?").split(" > ").pop().slice(0, 2)),
    h("div", { class: "title" }, title),
    h("div", { class: "price" }, money(p.price, p.currency)),
    h("div", { class: "meta" }, [p.brand, p.category].filter(Boolean).join(" · ")),
    inStock ? null : h("div", { class: "out" }, "out of stock"),
  );
}

export function grid(items, opts) {
  return h("div", { class: "grid" }, items.map((p) => productCard(p, opts)));
}

// "For you" for the current shopper: trending until the recommender knows something about them.
// Products already in the cart, and those in `exclude` (the product on the page), are left out
// (asking for a few more to fill the rail).
export async function forYou(k = 6, exclude = []) {
  const skip = new Set([...shop.cart.map((i) => i.product_id), ...exclude]);
  const answer = await api(`/recommendations/${encodeURIComponent(shop.customer)}`, { params: { k: k + skip.size } });
  answer.items = answer.items.filter((p) => !skip.has(p.product_id)).slice(0, k);
  return answer;
}

export function rail(id, title, answer) {
  // which model scored the list stays in data-source (the console names models; shoppers never see them)
  const label = answer.source === "trending" ? "popular now" : "picked for you";
  return h(
    "section",
    { class: "rail", id, dataset: { source: answer.source } },
    h("h2", null, title, " ", h("small", { class: "source" }, label)),
    answer.items.length ? grid(answer.items, { impression: answer.impression_id }) : h("p", { class: "meta" }, "Nothing to show yet."),
  );
}

export async function renderForYou(target, k = 6, exclude = []) {
  try {
    const answer = await forYou(k, exclude);
    const title = answer.source === "trending" ? "Trending now" : "Recommended for you";
    fill(target, rail("for-you", title, answer));
  } catch (err) {
    fill(target, h("p", { class: "error" }, `Recommendations unavailable: ${err.message}`));
  }
}
