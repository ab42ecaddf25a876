// A plain data table: columns = [{key, label, num?, format?}], rows = objects.
import { h } from "../dom.js";

export function table(columns, rows, { rowClass, id } = {}) {
  return h("table", { class: "data", id },
    h("thead", null, h("tr", null, columns.map((c) => h("th", null, c.label ?? c.key)))),
    h("tbody", null, rows.map((r) => h("tr", { class: rowClass ? rowClass(r) : "" },
      columns.map((c) => {
        const v = c.format ? c.format(r[c.key], r) : r[c.key];
        return h("td", { class: c.num ? "num" : "" }, v instanceof Node ? v : v ?? "");
      })))));
}

export const num = (digits = 4) => (v) => (typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString() : v.toFixed(digits)) : v ?? "–");
