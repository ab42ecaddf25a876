// The storefront's shared state: API client, who is shopping (demo customer or guest), session, cart.
import { client } from "./api.js";

const CUSTOMER = "shopmind.customer";
const CART = "shopmind.cart";

export const shop = {
  key: null,
  demo: false,
  customer: localStorage.getItem(CUSTOMER) || newGuest(),
  session: sessionStorage.getItem("shopmind.session") || randomId("s"),
  cart: JSON.parse(localStorage.getItem(CART) || "[]"),
  listeners: new Set(),
};
sessionStorage.setItem("shopmind.session", shop.session);
localStorage.setItem(CUSTOMER, shop.customer);

export const api = client(() => shop.key);

function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function newGuest() {
  return randomId("guest");
}

export const isGuest = () => shop.customer.startsWith("guest-");

// Tell the page that the shopper or the cart changed (rails and badges re-render).
export function onChange(fn) {
  shop.listeners.add(fn);
}

function changed(what) {
  for (const fn of shop.listeners) fn(what);
}

export function switchCustomer(id) {
  shop.customer = id || newGuest();
  shop.cart = [];
  localStorage.setItem(CUSTOMER, shop.customer);
  localStorage.setItem(CART, "[]");
  changed("customer");
}

export async function loadConfig() {
  const cfg = await (await fetch("/web/config.json")).json();
  shop.key = cfg.storefront_key;
  shop.demo = Boolean(cfg.demo);
  shop.chat = Boolean(cfg.chat);
  if (!shop.demo && !isGuest()) switchCustomer(""); // only the demo shop lets you be a stored customer
}

// Post a browsing event; the recommender reads it on its next request.
export async function track(type, fields) {
  return api("/shop/events", {
    method: "POST",
    body: { type, customer_id: shop.customer, session_id: shop.session, ...fields },
  });
}

// A click on a product an answer showed: sent with that answer's impression_id (attribution), which the
// product's add to cart sends too. Never holds up the page.
const shownIn = new Map();
export function clicked(productId, impression) {
  if (impression) shownIn.set(productId, impression);
  track("click", { product_id: productId, ...(impression ? { impression_id: impression } : {}) }).catch(() => {});
}

export async function addToCart(product) {
  const impression = shownIn.get(product.product_id);
  await track("add_to_cart", { product_id: product.product_id, ...(impression ? { impression_id: impression } : {}) });
  shop.cart.push({ product_id: product.product_id, title: product.title, price: product.price, currency: product.currency });
  localStorage.setItem(CART, JSON.stringify(shop.cart));
  changed("cart");
}
