// Home and category pages: the category tree in the side bar, a paged product grid.
import { fill, h } from "./dom.js";
import { grid, renderForYou } from "./cards.js";
import { api } from "./shop.js";

const PAGE = 24;
let tree = null;

async function categories() {
  if (!tree) {
    const rows = await api("/shop/categories");
    tree = new Map();
    for (const { category, count } of rows) {
      const [top, ...rest] = category.split(" > ");
      const node = tree.get(top) || { count: 0, children: [] };
      node.count += count;
      if (rest.length) node.children.push({ path: category, name: rest.join(" > "), count });
      tree.set(top, node);
    }
  }
  return tree;
}

export async function renderSide(side, current = "") {
  const cats = await categories();
  const link = (path, label, count) =>
    h("a", { href: `#/c/${encodeURIComponent(path)}`, class: path === current ? "active" : "" }, label, h("small", null, ` ${count}`));
  fill(side, 
    h("h2", null, "Categories"),
    h("ul", { class: "tree", id: "categories" },
      h("li", null, h("a", { href: "#/", class: current ? "" : "active" }, "All products")),
      [...cats].map(([top, node]) => h("li", null, link(top, top, node.count),
        current.startsWith(top) && node.children.length
          ? h("ul", null, node.children.map((c) => h("li", null, link(c.path, c.name, c.count)))) : null))),
  );
}

export async function renderBrowse(view, side, category = "", page = 1) {
  const railBox = h("div", { id: "rail-box" });
  const list = h("div", { id: "catalog" }, h("p", { class: "status" }, "Loading…"));
  fill(view, category ? null : railBox, h("h1", null, category || "All products"), list);
  if (!category) renderForYou(railBox);
  renderSide(side, category);
  const res = await api("/products", { params: { limit: PAGE, offset: (page - 1) * PAGE, category } });
  const pages = Math.max(1, Math.ceil(res.total / PAGE));
  const base = category ? `#/c/${encodeURIComponent(category)}` : "#/";
  const href = (n) => (category ? `${base}?page=${n}` : `#/?page=${n}`);
  fill(list, 
    h("p", { class: "status" }, `${res.total} products`),
    grid(res.items),
    h("nav", { class: "pager" },
      page > 1 ? h("a", { href: href(page - 1), class: "prev" }, "‹ prev") : null,
      h("small", null, ` page ${page} of ${pages} `),
      page < pages ? h("a", { href: href(page + 1), class: "next" }, "next ›") : null),
  );
}
