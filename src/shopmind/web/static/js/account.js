// Who is shopping (demo customer switcher), their orders with a status timeline, and the cart.
import { fill, formatTime, h, money } from "./dom.js";
import { api, isGuest, shop, switchCustomer } from "./shop.js";

const STEPS = ["placed", "paid", "shipped", "delivered"];

export async function setupSwitcher(select) {
  const guest = h("option", { value: "" }, "Guest (new visitor)");
  const options = [guest];
  if (shop.demo) {
    try {
      const customers = await api("/shop/customers", { params: { limit: 30 } });
      for (const c of customers)
        options.push(h("option", { value: c.customer_id }, `${c.name} · ${c.customer_id} (${c.orders} orders)`));
    } catch { /* the switcher keeps only the guest */ }
  }
  fill(select, ...options);
  if (!isGuest() && ![...select.options].some((o) => o.value === shop.customer))
    select.append(h("option", { value: shop.customer }, shop.customer));
  select.value = isGuest() ? "" : shop.customer;
  select.addEventListener("change", () => switchCustomer(select.value));
}

function timeline(order) {
  const reached = new Map(order.timeline.map((t) => [t.status, t]));
  // the happy path with what is still to come; an order that left it (cancelled, refunded) shows what happened
  const offPath = order.timeline.some((t) => !STEPS.includes(t.status));
  const steps = offPath ? order.timeline.map((t) => t.status) : [...STEPS];
  return h("ol", { class: "timeline" }, steps.map((s) => {
    const t = reached.get(s);
    return h("li", { class: t ? "done" : "todo", dataset: { status: s } },
      h("strong", null, s), t ? h("small", null, ` ${formatTime(t.at)}`) : null, t && t.note ? h("div", { class: "note" }, t.note) : null);
  }));
}

export async function renderOrders(view, side) {
  fill(side, h("h2", null, "Your account"), h("p", { class: "meta" }, shop.customer));
  if (isGuest() || !shop.demo) {
    fill(view, h("h1", null, "Your orders"),
      h("p", null, shop.demo ? "You are shopping as a guest: pick a demo customer in the header to see their orders."
        : "Orders are shown in the demo shop only."));
    return;
  }
  const res = await api(`/shop/customers/${encodeURIComponent(shop.customer)}/orders`);
  fill(view, 
    h("h1", null, `Orders of ${res.customer.name}`),
    h("p", { class: "status" }, res.total > res.orders.length ? `${res.total} orders (the latest ${res.orders.length} below)` : `${res.total} orders`),
    h("div", { id: "orders" }, res.orders.map((o) => h("section", { class: "order", dataset: { id: o.order_id, status: o.status } },
      h("header", null, h("strong", null, o.order_id), ` · ${formatTime(o.placed_at)} · `,
        h("span", { class: `status-badge ${o.status}` }, o.status), ` · ${money(o.total, o.currency)}`,
        o.tracking_number ? h("small", null, ` · ${o.carrier} ${o.tracking_number}`) : null),
      h("ul", { class: "items" }, o.items.map((i) => h("li", null,
        h("a", { href: `#/p/${encodeURIComponent(i.product_id)}` }, i.title || i.product_id), ` × ${i.quantity} · ${money(i.unit_price, o.currency)}`))),
      timeline(o)))),
  );
}

export function renderCart(view, side) {
  fill(side, h("h2", null, "Cart"));
  const total = shop.cart.reduce((s, i) => s + i.price, 0);
  fill(view, h("h1", null, "Your cart"),
    shop.cart.length
      ? h("ul", { class: "items", id: "cart-items" }, shop.cart.map((i) => h("li", null,
        h("a", { href: `#/p/${encodeURIComponent(i.product_id)}` }, i.title), ` · ${money(i.price, i.currency)}`)))
      : h("p", null, "Your cart is empty."),
    shop.cart.length ? h("p", { class: "price" }, `Total ${money(total, shop.cart[0].currency)}`) : null,
    h("p", { class: "meta" }, "This demo stops at the cart: checkout is the shop's own system."));
}
