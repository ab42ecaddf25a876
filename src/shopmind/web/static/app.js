// ShopMind demo storefront: a hash router over small ES modules (no build step, nothing from a CDN).
import { fill, h, $ } from "./js/dom.js";
import { renderCart, renderOrders, setupSwitcher } from "./js/account.js";
import { renderBrowse } from "./js/browse.js";
import { renderHelp } from "./js/help.js";
import { renderProduct } from "./js/product.js";
import { parseParams, renderSearch, setupAutocomplete } from "./js/search.js";
import { loadConfig, onChange, shop } from "./js/shop.js";
import { watchTraining } from "./js/training.js";

const view = $("#view");
const side = $("#side");

async function route() {
  const [path, search = ""] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const page = Number(new URLSearchParams(search).get("page") || 1);
  document.body.dataset.view = parts[0] || "home";
  try {
    if (parts[0] === "search") {
      const params = parseParams(search);
      $("#q").value = params.q;
      await renderSearch(view, side, params);
    } else if (parts[0] === "p") await renderProduct(view, side, parts[1]);
    else if (parts[0] === "c") await renderBrowse(view, side, parts[1], page);
    else if (parts[0] === "orders") await renderOrders(view, side);
    else if (parts[0] === "cart") renderCart(view, side);
    else if (parts[0] === "help") await renderHelp(view, side, parts[1] || "", new URLSearchParams(search).get("lang") || "");
    else await renderBrowse(view, side, "", page);
  } catch (err) {
    fill(view, h("p", { class: "error", role: "alert" }, `Error: ${err.message}`));
  }
  window.scrollTo(0, 0);
}

function renderCartBadge() {
  $("#cart-count").textContent = String(shop.cart.length);
}

async function main() {
  await loadConfig();
  setupAutocomplete($("#search"), $("#q"), $("#suggestions"));
  await setupSwitcher($("#customer"));
  renderCartBadge();
  onChange((what) => {
    renderCartBadge();
    if (what === "customer") route();
  });
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "1";
  watchTraining(route);
  if (shop.chat) (await import("./js/chat.js")).setup();
}

main();
