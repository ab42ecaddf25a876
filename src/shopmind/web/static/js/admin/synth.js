// Synthetic data: fit a synthesizer (live progress: epoch, losses), read the report the fit wrote
// (plain-language findings in English or 中文, a chart per column, rules, privacy), sample rows and
// download them as CSV.
import { fill, h } from "../dom.js";
import { fmt, lineChart } from "../charts.js";
import { table } from "./table.js";
import { reportView } from "./synth_report.js";

const TABLES = [["customers", ""], ["customers", "orders"], ["orders", ""], ["products", ""], ["events", ""]];
const POLL_MS = 1000;

async function modelBox(api, m) {
  const box = h("section", { class: "box synth-model", dataset: { name: m.name } }, h("h2", null, `${m.name} `, h("small", { class: "muted" }, m.version)));
  let report;
  try {
    report = await api(`/synth/report/${encodeURIComponent(m.name)}`);
  } catch (err) {
    box.append(h("p", { class: "muted" }, err.message));
    return box;
  }
  const body = h("div");
  const show = (lang) => fill(body, reportView(m.name, report, lang));
  const toggle = h("div", { class: "row lang-toggle" }, [["en", "English"], ["zh", "中文"]].map(([lang, label]) =>
    h("button", { class: "lang", dataset: { lang }, onclick: () => show(lang) }, label)));
  show("en");
  box.append(toggle, body);
  return box;
}

function fitForm(api, reload) {
  const sel = h("select", { id: "synth-table", "aria-label": "table" }, TABLES.map(([t, c]) => h("option", { value: `${t}|${c}` }, c ? `${t} + ${c}` : t)));
  const epochs = h("input", { id: "synth-epochs", type: "number", min: 1, max: 5000, value: 50, style: "width:5rem" });
  const start = h("button", { class: "primary", id: "synth-fit" }, "Fit synthesizer");
  const out = h("div", { id: "synth-job" });
  start.addEventListener("click", async () => {
    const [t, c] = sel.value.split("|");
    start.disabled = true;
    const history = { epoch: [], losses: {} };
    try {
      // the shared job shape: job_id, status, progress {epoch, epochs, losses}, result {version}, error
      let job = await api("/synth/fit", { method: "POST", body: { table: t, child: c || null, epochs: Number(epochs.value) } });
      for (;;) {
        job = await api(`/synth/jobs/${encodeURIComponent(job.job_id)}`);
        const { epoch = 0, epochs: total = Number(epochs.value), losses = {} } = job.progress || {};
        if (epoch && history.epoch[history.epoch.length - 1] !== epoch) {
          history.epoch.push(epoch);
          for (const [k, v] of Object.entries(losses)) (history.losses[k] ||= []).push({ x: epoch, y: v });
        }
        const series = Object.entries(history.losses).map(([name, points]) => ({ name, points }));
        const version = job.result && job.result.version;
        fill(out, h("p", { dataset: { state: job.status }, id: "synth-state" }, h("span", { class: `badge ${job.status}` }, job.status),
          ` epoch ${epoch} of ${total}`, version ? ` · published ${version}, report written` : "", job.error ? h("span", { class: "error" }, ` · ${job.error}`) : null),
          h("progress", { max: total || 1, value: epoch }),
          series.length && series[0].points.length > 1 ? lineChart(series, { title: "Losses by epoch", xLabel: "epoch", width: 560 }) : null);
        if (job.status === "done" || job.status === "failed") break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      if (job.status === "done") setTimeout(reload, 500);
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    } finally {
      start.disabled = false;
    }
  });
  return h("section", { class: "box" }, h("h2", null, "Fit a synthesizer (CTGAN-style GAN)"),
    h("div", { class: "row" }, h("label", null, "table ", sel), h("label", null, "at most epochs ", epochs), start,
      h("span", { class: "muted" }, "Training stops when held-out rows stop improving; the report is written with the fit.")), out);
}

// Rows as CSV text (RFC 4180 quoting); the columns of the first row.
export function toCsv(rows) {
  if (!rows.length) return "";
  const cols = Object.keys(rows[0]);
  const cell = (v) => {
    const text = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [cols.map(cell).join(","), ...rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: name, style: "display:none" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function sampleForm(api, models) {
  const sel = h("select", { id: "sample-name", "aria-label": "synthesizer" }, models.map((m) => h("option", { value: m.name }, m.name)));
  const n = h("input", { id: "sample-n", type: "number", min: 1, max: 10000, value: 20, style: "width:5rem" });
  const out = h("div", { id: "sample-out" });
  const get = async () => api("/synth/sample", { method: "POST", body: { name: sel.value, n: Number(n.value) } });
  const go = h("button", { id: "sample-go" }, "Sample");
  go.addEventListener("click", async () => {
    try {
      const frames = await get();
      fill(out, Object.entries(frames).map(([t, rows]) => h("div", null, h("h3", null, `${t}: ${rows.length} rows`),
        rows.length ? table(Object.keys(rows[0]).map((k) => ({ key: k, format: (v) => (typeof v === "number" ? fmt(v) : v) })), rows.slice(0, 20), { id: `sample-${t}` }) : null)));
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    }
  });
  const save = h("button", { id: "sample-download" }, "Download CSV");
  save.addEventListener("click", async () => {
    try {
      for (const [t, rows] of Object.entries(await get())) download(`synthetic-${t}.csv`, toCsv(rows));
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    }
  });
  return h("section", { class: "box" }, h("h2", null, "Sample synthetic rows"), h("div", { class: "row" }, sel, n, go, save), out);
}

export async function renderSynth(panel, api) {
  const models = await api("/synth/models");
  const reload = () => renderSynth(panel, api);
  const boxes = await Promise.all(models.map((m) => modelBox(api, m)));
  fill(panel, h("h1", null, "Synthetic data"),
    models.length ? boxes : h("p", { class: "muted" }, "No synthesizer has been fitted yet."),
    models.length ? sampleForm(api, models) : null,
    fitForm(api, reload));
}
