// Online: metrics per surface × model version × day (with 95% intervals), search analytics, and the
// online experiments — define one, and per experiment its arms, charts over time and the verdict (en/zh).
import { fill, h } from "../dom.js";
import { barChart, lineChart } from "../charts.js";
import { num, table } from "./table.js";

const pct = (r) => (r && r.value != null ? `${(100 * r.value).toFixed(2)}% [${(100 * r.ci[0]).toFixed(2)}, ${(100 * r.ci[1]).toFixed(2)}]` : "–");
const money = (r) => (r && r.value != null ? `${r.value.toFixed(1)} [${r.ci[0].toFixed(1)}, ${r.ci[1].toFixed(1)}]` : "–");
const DAY = 86400000;

// One line per group: y = rate(row) by day (x = days since the first day shown).
function overTime(rows, groupOf, rate, opts) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const t0 = Date.parse(days[0] || "2000-01-01");
  const groups = new Map();
  for (const r of rows) {
    const v = rate(r);
    if (v == null) continue;
    const g = groupOf(r);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push({ x: (Date.parse(r.day) - t0) / DAY, y: 100 * v });
  }
  const series = [...groups].map(([name, points]) => ({ name, points: points.sort((a, b) => a.x - b.x) }));
  const label = (x) => new Date(t0 + x * DAY).toISOString().slice(5, 10);
  if (!series.length) return h("p", { class: "muted" }, "No data yet.");
  if (days.length < 2) { // one day: a bar per line (a line needs two days)
    return barChart(series.map((se) => ({ label: se.name, value: se.points[0].y })), { ...opts, title: `${opts.title} (${days[0]}, %)` });
  }
  return lineChart(series, { xTickFormat: label, yLabel: "%", ...opts });
}

function metricsBox(m) {
  const rows = m.rows;
  return h("section", { class: "box", id: "online-metrics" }, h("h2", null, `Shown products · since ${m.since}`),
    h("p", { class: "muted" }, `Attributions: ${Object.entries(m.attributions).map(([k, v]) => `${k} ${v}`).join(" · ") || "none"} · ` +
      `impressions not logged by this server: ${m.log.dropped}`),
    h("div", { class: "charts" },
      overTime(rows, (r) => `${r.surface} ${r.model_version || "fallback"}`, (r) => r.ctr.value, { title: "Click-through rate by day", width: 560 })),
    table([
      { key: "day" }, { key: "surface" }, { key: "model_version", label: "version", format: (v) => v || "(fallback)" },
      { key: "impressions", num: true, format: num() },
      { key: "ctr", label: "CTR [95% CI]", num: true, format: pct },
      { key: "add_to_cart_rate", label: "add to cart", num: true, format: pct },
      { key: "conversion_rate", label: "conversion", num: true, format: pct },
      { key: "revenue_per_mille", label: "revenue / 1000", num: true, format: money },
    ], rows.slice(-60).reverse(), { id: "online-table" }));
}

function searchBox(s) {
  const bought = (v) => v.map((b) => `${b.product_id}×${b.purchases}`).join(", ");
  const cols = [{ key: "query" }, { key: "searches", num: true }, { key: "no_results", label: "no results", num: true },
    { key: "ctr", label: "CTR", num: true, format: (v) => (v == null ? "–" : `${(100 * v).toFixed(1)}%`) }, { key: "bought", format: bought }];
  return h("section", { class: "box", id: "search-analytics" }, h("h2", null, `Search analytics · ${s.searches.toLocaleString()} searches`),
    h("p", null, `Zero-click rate ${pct(s.zero_click_rate)}`),
    h("div", { class: "charts" }, barChart(s.top.slice(0, 10).map((q) => ({ label: q.query, value: q.searches })), { title: "Top queries", width: 560 })),
    h("h3", null, "No results"), table(cols, s.no_results, { id: "no-results" }),
    h("h3", null, "Low click-through"), table(cols, s.low_ctr, { id: "low-ctr" }),
    h("h3", null, "What searchers bought"), table(cols, s.bought, { id: "bought" }));
}

function experimentForm(api, refresh) {
  const out = h("p", { id: "experiment-message", role: "alert" });
  const form = h("form", { id: "experiment-form", class: "row" },
    h("input", { name: "name", placeholder: "name", required: true }),
    h("select", { name: "surface" }, ["recommendations", "similar", "search"].map((v) => h("option", { value: v }, v))),
    h("input", { name: "arms", placeholder: "arms: a=0.5:version, b=0.5:version (search: b=0.5:mode=lexical)", size: 60, required: true }),
    h("input", { name: "min_effect", type: "number", step: "any", value: 0.01, title: "smallest difference worth detecting" }),
    h("button", { class: "primary", type: "submit" }, "Start experiment"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(form));
    const arms = f.arms.split(",").map((t) => {
      const m = t.trim().match(/^([^=]+)=([0-9.]+)(?::(.*))?$/) || [null, t.trim(), "NaN", ""];
      const arm = { name: m[1], share: Number(m[2]) };
      if ((m[3] || "").startsWith("mode=")) arm.settings = { mode: m[3].slice(5) };
      else if (m[3]) arm.version = m[3];
      return arm;
    });
    try {
      const x = await api("/admin/online/experiments", { method: "POST", body: { name: f.name, surface: f.surface, arms, min_effect: Number(f.min_effect) } });
      out.className = "";
      out.textContent = `Started ${x.experiment_id}: about ${x.plan.sample_size_per_arm.toLocaleString()} shoppers per arm needed.`;
      await refresh();
    } catch (err) {
      out.className = "error";
      out.textContent = err.message;
    }
  });
  return h("div", null, form, out);
}

function experimentBox(a, api, refresh) {
  const x = a.experiment;
  const arms = a.analysis ? a.analysis.arms : [];
  const stop = x.status === "running" ? h("button", { onclick: async () => { await api(`/admin/online/experiments/${x.experiment_id}/stop`, { method: "POST" }); await refresh(); } }, "Stop") : null;
  return h("section", { class: "box experiment", dataset: { experiment: x.experiment_id } },
    h("h3", null, `${x.name} · ${x.surface} · ${x.status} `, stop),
    h("p", { class: "verdict", lang: "en" }, a.verdict.en), h("p", { class: "verdict muted", lang: "zh" }, a.verdict.zh),
    h("p", { class: "muted" }, `Planned ${x.plan.sample_size_per_arm.toLocaleString()} shoppers per arm (baseline ${x.plan.baseline}, minimum effect ${x.plan.min_effect}); ` +
      `progress ${a.progress == null ? "–" : `${Math.min(100, 100 * a.progress).toFixed(0)}%`}; sample-ratio check p = ${a.srm.p_value == null ? "–" : a.srm.p_value.toPrecision(2)}`),
    h("div", { class: "charts" },
      overTime(a.daily, (r) => r.arm, (r) => r.conversion_rate.value, { title: "Conversion per impression by day", width: 460 }),
      overTime(a.daily, (r) => r.arm, (r) => r.ctr.value, { title: "Click-through by day", width: 460 })),
    table([{ key: "arm" }, { key: "customers", label: "shoppers", num: true, format: num() }, { key: "conversions", num: true },
      { key: "conversion_rate", label: "conversion [95% CI]", num: true, format: (v, r) => pct({ value: v, ci: r.conversion_ci }) }], arms));
}

export async function renderOnline(panel, api) {
  const refresh = () => renderOnline(panel, api);
  const [m, s, xs] = await Promise.all([api("/admin/online/metrics"), api("/admin/online/search"), api("/admin/online/experiments")]);
  const analyses = await Promise.all(xs.slice(0, 10).map((x) => api(`/admin/online/experiments/${x.experiment_id}`)));
  fill(panel, h("h1", null, "Online"),
    h("section", { class: "box", id: "experiments" }, h("h2", null, "Experiments"), experimentForm(api, refresh),
      analyses.length ? analyses.map((a) => experimentBox(a, api, refresh)) : h("p", { class: "muted" }, "No experiments yet.")),
    metricsBox(m), searchBox(s));
}
