// A help page: the shop's policy or FAQ document on a topic (the assistant's citations link here),
// in the language asked for (?lang=en|zh), from GET /knowledge.
import { fill, h } from "./dom.js";
import { api } from "./shop.js";

export async function renderHelp(view, side, topic, lang) {
  fill(side);
  fill(view, h("p", { class: "status" }, "Loading…"));
  const params = { topic, limit: 10 };
  let docs = (await api("/knowledge", { params: { ...params, lang } })).items;
  if (!docs.length) docs = (await api("/knowledge", { params })).items; // any language
  if (!docs.length) {
    fill(view, h("p", { class: "error", role: "alert" }, `No help page on “${topic}”.`));
    return;
  }
  const doc = docs[0];
  fill(view, h("article", { class: "help", id: "help-doc", lang: doc.lang },
    h("h1", null, doc.title),
    doc.body.split(/\n\s*\n/).map((para) => h("p", null, para))));
}
