// While a model is still being trained (the first run of `make demo`), a line under the header says
// what serves meanwhile; it is checked every 10 s and, when a model is published, the page re-renders
// with it (the storefront switches by itself).
import { $, fill, h } from "./dom.js";
import { api } from "./shop.js";

const MEANWHILE = {
  search: "keyword search",
  recommendations: "trending products",
  assistant: "rule-based answers",
};

export async function watchTraining(onPublished) {
  let before = new Set();
  async function check() {
    let models;
    try {
      models = await api("/shop/models");
    } catch {
      return; // the shop works without this line
    }
    const training = Object.entries(models).filter(([, m]) => m.training);
    const now = new Set(training.map(([name]) => name));
    const bar = $("#training");
    if (training.length) {
      fill(bar, "Still training: ", training.map(([name, m], i) => [i ? ", " : "",
        h("strong", null, name), ` (${m.training}; ${MEANWHILE[name] || "its fallback"} meanwhile)`]),
        " — the shop switches over by itself.");
      bar.hidden = false;
    } else bar.hidden = true;
    if ([...before].some((name) => !now.has(name))) onPublished();
    before = now;
    if (training.length) setTimeout(check, 10_000);
  }
  await check();
}
