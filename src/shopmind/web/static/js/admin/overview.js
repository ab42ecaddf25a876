// Data overview: row counts, what serves each capability, activity per day, orders by status, ingestion runs and their rejects.
import { fill, formatTime, h } from "../dom.js";
import { barChart, stackedBars } from "../charts.js";
import { num, table } from "./table.js";

const EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search", "rating"];

async function showRejects(api, box, run) {
  fill(box, h("p", { class: "status" }, "Loading rejects…"));
  try {
    const res = await api(`/admin/ingest-runs/${encodeURIComponent(run.run_id)}/rejects`, { params: { limit: 50 } });
    const cols = res.columns.map((c, i) => ({ key: i, label: c }));
    fill(box, h("h3", null, `Rejected rows of ${run.kind} ← ${run.source} (${res.rows.length} of ${res.total})`),
      h("p", { class: "muted" }, res.path), table(cols, res.rows, { id: "rejects" }));
  } catch (err) {
    fill(box, h("p", { class: "error" }, err.message));
  }
}

// Search's dense vectors: coverage, encoder, the backfill's rate, and the encoder filling behind it.
function denseNote(d) {
  if (!d || !d.products) return "";
  const pct = (x) => `${Math.round(100 * x)}%`;
  let note = `sentence vectors: ${d.vectors}/${d.products} (${pct(d.coverage)})`;
  if (d.encoder) note += ` by ${d.encoder}`;
  if (d.rate) note += `, ${d.rate}/s`;
  if (d.next_encoder) note += `; ${d.next_encoder} ${pct(d.next_coverage)} behind`;
  return note;
}

// A training queued or running for the capability (it switches over by itself when published).
function trainingNote(t) {
  if (!t) return "";
  return t.status === "running" ? `training now (${Math.round(t.seconds || 0)} s, job ${t.job_id})`
    : `training queued (job ${t.job_id})`;
}

// What serves each capability: a published model version, or its documented fallback.
function servingBox(models) {
  const rows = Object.entries(models).map(([capability, m]) => ({
    capability, serving: m.serving, version: m.version || "",
    note: [m.serving === "fallback" || m.serving === "lexical" ? m.fallback : (m.stale ? "stale: a refit is queued" : m.note || ""),
      denseNote(m.dense), trainingNote(m.training)].filter(Boolean).join(" · "),
  }));
  return h("section", { class: "box", id: "serving" },
    h("h2", null, "What serves each capability"),
    table([
      { key: "capability" },
      { key: "serving", format: (v) => h("span", { class: `badge ${v === "fallback" || v === "loading" ? "queued" : "done"}` }, v) },
      { key: "version" }, { key: "note", label: "" },
    ], rows));
}

export async function renderOverview(panel, api) {
  const [overview, runs, activity] = await Promise.all([
    api("/admin/overview"), api("/admin/ingest-runs", { params: { limit: 20 } }), api("/admin/activity", { params: { days: 60 } }),
  ]);
  const counts = overview.counts;
  const days = activity.days.map((d) => ({ label: d.day.slice(5), values: d }));
  const statuses = Object.entries(activity.orders_by_status).sort((a, b) => b[1] - a[1]);
  const rejectsBox = h("div", { id: "rejects-box" });
  const last = overview.last_ingest;
  fill(panel,
    h("h1", null, "Data overview"),
    h("div", { class: "cards", id: "counts" }, Object.entries(counts).map(([name, n]) =>
      h("div", { class: "stat", dataset: { table: name } }, h("div", { class: "n" }, n.toLocaleString()), h("div", { class: "l" }, name)))),
    servingBox(overview.models || {}),
    h("div", { class: "charts" },
      days.length ? stackedBars(days, EVENT_TYPES.filter((t) => days.some((d) => d.values[t])), { title: "Events per day (last 60 days of activity)", width: 680 })
        : h("p", { class: "muted" }, "No events yet."),
      statuses.length ? barChart(statuses.map(([label, value]) => ({ label, value })), { title: "Orders by status", width: 420 }) : null),
    h("section", { class: "box" },
      h("h2", null, "Last ingestion"),
      last ? h("p", null, `${last.kind} ← ${last.source}: `, h("strong", null, `${last.rows_written.toLocaleString()} written`), `, `,
        h("strong", { class: last.rows_rejected ? "error" : "" }, `${last.rows_rejected.toLocaleString()} rejected`),
        ` of ${last.rows_read.toLocaleString()} read · ${last.status} · ${formatTime(last.finished_at || last.started_at)}`)
        : h("p", { class: "muted" }, "No file has been ingested yet (the demo shop is loaded directly)."),
      runs.length ? table([
        { key: "started_at", label: "started", format: formatTime },
        { key: "kind" }, { key: "source" },
        { key: "rows_read", label: "read", num: true, format: num() },
        { key: "rows_written", label: "written", num: true, format: num() },
        { key: "rows_rejected", label: "rejected", num: true, format: (v, r) => (v ? h("a", { href: "#overview", class: "show-rejects", onclick: (e) => { e.preventDefault(); showRejects(api, rejectsBox, r); } }, v.toLocaleString()) : "0") },
        { key: "status", format: (v) => h("span", { class: `badge ${v}` }, v) },
      ], runs, { id: "ingest-runs" }) : null,
      rejectsBox),
  );
}
