// The product page: details, add to cart, similar products and the shopper's "for you" rail.
import { fill, h, money, toast } from "./dom.js";
import { rail, renderForYou } from "./cards.js";
import { addToCart, api, shop } from "./shop.js";

export async function renderProduct(view, side, id) {
  const p = await api(`/products/${encodeURIComponent(id)}`);
  const attrs = Object.entries(p.attributes || {}).filter(([k]) => k !== "category_zh");
  const similarBox = h("div", { id: "similar-box" }, h("p", { class: "status" }, "Loading similar products…"));
  const forYouBox = h("div", { id: "rail-box" });
  const button = h("button", { id: "add-to-cart", class: "primary", disabled: p.stock <= 0 }, p.stock > 0 ? "Add to cart" : "Out of stock");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await addToCart(p);
      toast(`Added “${p.title}” to your cart; your recommendations are updated.`);
      await renderForYou(forYouBox, 6, [p.product_id]);
    } catch (err) {
      toast(`Could not add to cart: ${err.message}`);
    } finally {
      button.disabled = p.stock <= 0;
    }
  });
  fill(side, h("h2", null, "Category"), h("p", null,
    h("a", { href: `#/c/${encodeURIComponent(p.category)}` }, p.category)));
  fill(view, 
    h("article", { class: "product", dataset: { id: p.product_id } },
      h("div", { class: "thumb big", "aria-hidden": "true" }, (p.category || "?").split(" > ").pop().slice(0, 2)),
      h("div", { class: "info" },
        h("h1", { id: "product-title" }, p.title),
        h("p", { class: "price" }, money(p.price, p.currency)),
        h("p", { class: "meta" }, `${p.brand} · ${p.category} · ${p.stock > 0 ? `${p.stock} in stock` : "out of stock"} · ${p.product_id}`),
        h("p", null, p.description),
        attrs.length ? h("dl", { class: "attrs" }, attrs.map(([k, v]) => [h("dt", null, k), h("dd", null, v)])) : null,
        button)),
    similarBox,
    forYouBox,
  );
  renderForYou(forYouBox, 6, [p.product_id]);
  try {
    const similar = await api(`/products/${encodeURIComponent(id)}/similar`, { params: { k: 6, session_id: shop.session } });
    fill(similarBox, rail("similar", "Similar products", similar));
  } catch (err) {
    fill(similarBox, h("p", { class: "error" }, `Similar products unavailable: ${err.message}`));
  }
}
