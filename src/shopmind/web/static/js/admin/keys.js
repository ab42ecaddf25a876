// API keys: the stored keys with scope, expiry, last use and revocation; create one (shown once), revoke one.
import { fill, formatTime, h } from "../dom.js";
import { table } from "./table.js";

function createForm(api, onCreated) {
  const scope = h("select", { id: "key-scope", "aria-label": "scope" },
    h("option", { value: "storefront" }, "storefront (public reads)"), h("option", { value: "admin" }, "admin (everything)"));
  const name = h("input", { id: "key-name", maxlength: 200, placeholder: "name, e.g. who uses it", "aria-label": "key name" });
  const days = h("input", { id: "key-days", type: "number", min: 1, max: 3650, placeholder: "expires in days (empty: never)", "aria-label": "expires in days", style: "width: 14rem" });
  const problem = h("p", { class: "error", role: "alert" });
  const form = h("form", { id: "key-create", class: "row", onsubmit: async (e) => {
    e.preventDefault();
    problem.textContent = "";
    const body = { scope: scope.value, name: name.value.trim(), expires_in_days: days.value ? Number(days.value) : null };
    try {
      const created = await api("/admin/keys", { method: "POST", body });
      name.value = "";
      days.value = "";
      onCreated(created);
    } catch (err) {
      problem.textContent = err.message;
    }
  } }, scope, name, days, h("button", { class: "primary", type: "submit" }, "Create key"));
  return h("section", { class: "box" }, h("h2", null, "New key"), form, problem);
}

function newKeyBox(created) {
  const copy = h("button", { type: "button", onclick: () => navigator.clipboard && navigator.clipboard.writeText(created.key) }, "Copy");
  return h("section", { class: "box", id: "new-key" },
    h("h2", null, `Key "${created.name || created.key_id}" (${created.scope}) created`),
    h("p", null, "Copy it now: it is shown only this once (ShopMind keeps only its hash)."),
    h("div", { class: "row" }, h("code", { id: "new-key-value" }, created.key), copy));
}

function keyTable(api, keys, refresh) {
  const revoke = (k) => h("button", { class: "revoke", dataset: { keyId: k.key_id }, onclick: async () => {
    if (!window.confirm(`Revoke the ${k.scope} key "${k.name || k.key_id}"? Anything using it stops working at once.`)) return;
    try {
      await api(`/admin/keys/${encodeURIComponent(k.key_id)}`, { method: "DELETE" });
      await refresh();
    } catch (err) {
      window.alert(err.message);
    }
  } }, "Revoke");
  return table([
    { key: "name", format: (v, k) => v || h("span", { class: "muted" }, k.key_id) },
    { key: "scope" },
    { key: "status", format: (v) => h("span", { class: `badge ${v === "active" ? "done" : "failed"}` }, v) },
    { key: "created_at", label: "created", format: formatTime },
    { key: "expires_at", label: "expires", format: (v) => (v ? formatTime(v) : "never") },
    { key: "last_used_at", label: "last used", format: (v) => (v ? formatTime(v) : "never") },
    { key: "revoked_at", label: "revoked", format: formatTime },
    { key: "key_id", label: "", format: (v, k) => (k.status === "revoked" ? "" : revoke(k)) },
  ], keys, { id: "keys", rowClass: (k) => `key-${k.status}` });
}

export async function renderKeys(panel, api) {
  const shown = h("div", { id: "new-key-box" });
  const list = h("section", { class: "box", id: "key-list" });
  const refresh = async () => {
    const keys = await api("/admin/keys");
    fill(list, h("h2", null, `Stored keys (${keys.length})`),
      keys.length ? keyTable(api, keys, refresh) : h("p", { class: "muted" }, "No stored keys."),
      h("p", { class: "muted" }, "Keys set in the environment (SHOPMIND_ADMIN_API_KEY, SHOPMIND_STOREFRONT_API_KEY) are not stored and not listed."));
  };
  fill(panel, h("h1", null, "API keys"),
    createForm(api, async (created) => { await refresh(); fill(shown, newKeyBox(created)); }), shown, list);
  await refresh();
}
