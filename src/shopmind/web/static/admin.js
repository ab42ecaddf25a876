// ShopMind admin console: asks for the admin key (kept in sessionStorage), then shows one section per tab.
// Sections appear only when this server has their endpoints (read from /openapi.json).
import { client } from "./js/api.js";
import { $, fill, h } from "./js/dom.js";
import { SECTIONS } from "./js/admin/sections.js";

const KEY = "shopmind.adminKey";
const api = client(() => sessionStorage.getItem(KEY));
let paths = new Set();

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  try {
    await api("/admin/overview");
    return null;
  } catch (err) {
    sessionStorage.removeItem(KEY);
    return err.status === 403 ? "That key is not an admin key." : err.status === 401 ? "Unknown key." : err.message;
  }
}

function showLogin(message = "") {
  $("#login").hidden = false;
  $("#panel").hidden = true;
  $("#logout").hidden = true;
  fill($("#tabs"));
  $("#login-error").textContent = message;
  $("#admin-key").focus();
}

async function route() {
  const available = SECTIONS.filter((sec) => sec.available(paths));
  const id = location.hash.replace(/^#\/?/, "") || "overview";
  const section = available.find((sec) => sec.id === id) || available[0];
  fill($("#tabs"), available.map((sec) => h("a", { href: `#${sec.id}`, class: sec === section ? "active" : "", dataset: { tab: sec.id } }, sec.label)));
  const panel = $("#panel");
  fill(panel, h("p", { class: "status" }, "Loading…"));
  document.body.dataset.section = section.id;
  delete document.body.dataset.ready;
  try {
    await section.render(panel, api);
    document.body.dataset.ready = section.id;
  } catch (err) {
    if (err.status === 401 || err.status === 403) return showLogin("Your key was not accepted; sign in again.");
    fill(panel, h("p", { class: "error", role: "alert" }, `Error: ${err.message}`));
  }
}

async function open() {
  $("#login").hidden = true;
  $("#panel").hidden = false;
  $("#logout").hidden = false;
  const spec = await (await fetch("/openapi.json")).json();
  paths = new Set(Object.keys(spec.paths || {}));
  await route();
}

async function main() {
  $("#login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const problem = await signIn($("#admin-key").value.trim());
    if (problem) showLogin(problem);
    else { $("#admin-key").value = ""; await open(); }
  });
  $("#logout").addEventListener("click", () => { sessionStorage.removeItem(KEY); showLogin(); });
  window.addEventListener("hashchange", () => { if (sessionStorage.getItem(KEY)) route(); });
  if (!sessionStorage.getItem(KEY)) return showLogin();
  const problem = await signIn(sessionStorage.getItem(KEY));
  if (problem) showLogin(problem);
  else await open();
}

main();
