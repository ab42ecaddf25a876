// Marketing: RFM segments and the R×F grid, behavioural segments (map + bilingual descriptions),
// CLV distribution, the Qini curve of the uplift model, and the campaign planner with its forecast.
import { fill, h } from "../dom.js";
import { barChart, fmt, heatmap, lineChart, scatter } from "../charts.js";
import { num, table } from "./table.js";

const pct = (v) => `${(100 * v).toFixed(1)}%`;

async function optional(promise) {
  try { return { data: await promise }; } catch (err) { return { error: err }; }
}

function rfmBox(rfm, grid) {
  const rs = [...new Set(grid.cells.map((c) => c.r))].sort((a, b) => b - a);
  const fs = [...new Set(grid.cells.map((c) => c.f))].sort((a, b) => a - b);
  const at = new Map(grid.cells.map((c) => [`${c.r},${c.f}`, c]));
  const values = rs.map((r) => fs.map((f) => (at.get(`${r},${f}`) || {}).customers ?? NaN));
  return h("section", { class: "box", id: "rfm" }, h("h2", null, `RFM segments · ${rfm.customers.toLocaleString()} customers`),
    h("div", { class: "charts" },
      heatmap(values, { rows: rs.map(String), cols: fs.map(String), rowLabel: "recency score", colLabel: "frequency score", title: "Customers per R×F cell (5 = best)", width: 380, height: 300 }),
      barChart(rfm.segments.map((sg) => ({ label: sg.name_en, value: sg.revenue_share * 100 })), { title: "Revenue share by segment (%)", width: 560, height: 300 })),
    table([
      { key: "name_en", label: "segment", format: (v, r) => `${v} · ${r.name_zh}` },
      { key: "customers", num: true, format: num() },
      { key: "customer_share", label: "share", num: true, format: pct },
      { key: "revenue_share", label: "revenue", num: true, format: pct },
      { key: "mean_recency_days", label: "recency (days)", num: true, format: num(0) },
      { key: "mean_frequency", label: "orders", num: true, format: num(1) },
      { key: "action_en", label: "suggested action", format: (v, r) => `${v} · ${r.action_zh}` },
    ], rfm.segments, { id: "rfm-table" }));
}

function segmentsBox(seg) {
  const names = Object.fromEntries(seg.segments.map((sg) => [sg.segment, `#${sg.segment} ${sg.top_category.split(" > ").pop()}`]));
  return h("section", { class: "box", id: "segments" }, h("h2", null, `Behavioural segments (${seg.segments.length})`),
    h("div", { class: "charts" },
      scatter(seg.points.map((p) => ({ x: p.x, y: p.y, group: p.segment, label: p.customer_id })), { title: "Customers on a 2-D map, coloured by segment", groupNames: names, width: 560 }),
      h("ul", { class: "segment-list" }, seg.segments.map((sg) => h("li", { dataset: { segment: sg.segment } },
        h("strong", null, `#${sg.segment} · ${sg.customers} customers (${pct(sg.share)}, revenue ${pct(sg.revenue_share)})`),
        h("div", null, sg.description_en), h("div", { class: "muted" }, sg.description_zh))))));
}

function clvBox(result) {
  // 503 while the marketing models are being fitted: the API's message names the refit job
  if (result.error) return h("section", { class: "box", id: "clv" }, h("h2", null, "Customer lifetime value"), h("p", { class: "muted" }, result.error.message));
  const clv = result.data;
  const data = clv.counts.map((c, i) => ({ label: fmt(clv.edges[i]), value: c }));
  return h("section", { class: "box", id: "clv" }, h("h2", null, "Customer lifetime value"),
    h("p", null, `${clv.n} customers · median ${fmt(clv.median)} · 90th percentile ${fmt(clv.p90)} · 99th ${fmt(clv.p99)} · total ${fmt(clv.total)}`),
    barChart(data, { title: "Predicted value per customer (histogram; top 1% clipped)", width: 760, height: 260, yLabel: "customers" }));
}

function qiniBox(qini) {
  if (qini.error) return h("section", { class: "box", id: "qini" }, h("h2", null, "Uplift (Qini curve)"), h("p", { class: "muted" }, qini.error.message));
  const q = qini.data;
  const line = (name, ys, extra) => ({ name, points: q.x.map((x, i) => ({ x, y: ys[i] })), ...extra });
  return h("section", { class: "box", id: "qini" }, h("h2", null, `Uplift (Qini coefficient ${fmt(q.qini_coefficient)})`),
    lineChart([line("uplift model", q.qini), line("random targeting", q.random, { dash: "4 3", color: "#868e96" })],
      { title: "Qini curve: incremental conversions by customers targeted", xLabel: "customers targeted", width: 560 }));
}

function planner(api) {
  const field = (name, label, value, step = "any") => h("label", null, `${label} `, h("input", { name, type: "number", value, step, min: 0, style: "width:6rem" }));
  const out = h("div", { id: "plan-result" });
  const form = h("form", { id: "planner", class: "row" },
    field("budget", "budget", 1000), field("cost_per_contact", "cost per contact", 0.5), field("offer_value", "offer value", 5),
    field("window_days", "window (days)", 30, 1), h("button", { class: "primary", type: "submit" }, "Plan campaign"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, Number(v)]));
    fill(out, h("p", { class: "status" }, "Planning…"));
    try {
      const [plan, forecast] = await Promise.all([
        api("/marketing/campaigns/plan", { method: "POST", body, params: { limit: 20 } }),
        optional(api("/marketing/charts/forecast")),
      ]);
      fill(out,
        h("p", { id: "plan-summary" }, `${plan.contacts} of ${plan.candidates} customers · expected cost ${fmt(plan.expected_cost)} · incremental revenue ${fmt(plan.expected_incremental_revenue)} · net ${fmt(plan.expected_net)} · ROI ${fmt(plan.roi)}`),
        h("div", { class: "charts" },
          barChart(plan.segments.map((sg) => ({ label: sg.name_en, value: sg.contacts })), { title: "Contacts by segment", width: 480 }),
          forecast.data ? lineChart([
            { name: "net", points: forecast.data.contacts.map((x, i) => ({ x, y: forecast.data.net[i] })) },
            { name: "cost", points: forecast.data.contacts.map((x, i) => ({ x, y: forecast.data.cost[i] })) },
          ], { title: "Forecast by number of contacts (default settings)", xLabel: "contacts", width: 480 }) : null),
        table([{ key: "name_en", label: "segment", format: (v, r) => `${v} · ${r.name_zh}` }, { key: "contacts", num: true },
          { key: "copy", label: "message", format: (c) => h("div", null, h("div", null, c.en), h("div", { class: "muted" }, c.zh)) }], plan.segments),
        h("h3", null, "First targets"),
        table(Object.keys(plan.targets[0] || { customer_id: 1 }).map((k) => ({ key: k, num: k !== "customer_id" && k !== "segment", format: typeof (plan.targets[0] || {})[k] === "number" ? num(3) : undefined })), plan.targets, { id: "plan-targets" }));
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    }
  });
  return h("section", { class: "box", id: "campaign" }, h("h2", null, "Campaign planner"),
    h("p", { class: "muted" }, "Chooses who to contact to get the most expected incremental revenue within the budget."), form, out);
}

export async function renderMarketing(panel, api) {
  const [rfm, grid, seg, clv, qini] = await Promise.all([
    api("/marketing/rfm"), api("/marketing/charts/rfm-grid"), api("/marketing/charts/segments"),
    optional(api("/marketing/charts/clv")), optional(api("/marketing/charts/qini")),
  ]);
  fill(panel, h("h1", null, "Marketing"), rfmBox(rfm, grid), segmentsBox(seg), clvBox(clv), qiniBox(qini), planner(api));
}
