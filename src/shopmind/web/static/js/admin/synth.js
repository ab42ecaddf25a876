// Synthetic data: fitted synthesizers with their fidelity/privacy report drawn as charts, fitting a
// new one with live progress (epoch, discriminator and generator losses) and sampling rows.
import { fill, h } from "../dom.js";
import { barChart, fmt, lineChart } from "../charts.js";
import { num, table } from "./table.js";

const TABLES = [["customers", ""], ["customers", "orders"], ["orders", ""], ["products", ""], ["events", ""]];
const POLL_MS = 1000;

function reportView(name, report) {
  const cols = Object.entries(report.per_column || {}).sort((a, b) => a[1] - b[1]);
  const privacy = Object.entries(report.privacy || {});
  const utility = report.ml_utility && typeof report.ml_utility === "object" ? Object.entries(report.ml_utility) : [];
  return h("div", { class: "report", dataset: { name } },
    h("div", { class: "cards" },
      [["quality score", report.quality_score], ["column shapes", report.column_shapes], ["column pairs", report.column_pairs],
        ["real rows", report.rows && report.rows.real], ["synthetic rows", report.rows && report.rows.synthetic]]
        .filter(([, v]) => v !== undefined)
        .map(([l, v]) => h("div", { class: "stat" }, h("div", { class: "n" }, Number.isInteger(v) ? v.toLocaleString() : fmt(v)), h("div", { class: "l" }, l)))),
    h("div", { class: "charts" },
      cols.length ? barChart(cols.map(([label, value]) => ({ label, value, color: value < 0.7 ? "#f03e3e" : undefined })),
        { title: "Per-column fidelity (1 = same distribution as the real data; red < 0.7)", width: Math.max(480, 34 * cols.length), height: 260 }) : null,
      privacy.length ? h("div", null, h("h3", null, "Privacy"), table([{ key: 0, label: "measure" }, { key: 1, label: "value", num: true, format: num(4) }], privacy, { id: "privacy" }),
        h("p", { class: "muted" }, "exact_copy_share: synthetic rows equal to a training row; DCR: distance to the closest real row (compare with the hold-out).")) : null,
      utility.length ? h("div", null, h("h3", null, "ML utility"), table([{ key: 0, label: "measure" }, { key: 1, label: "value", format: (v) => (typeof v === "number" ? fmt(v) : JSON.stringify(v)) }], utility)) : null));
}

async function modelBox(api, m) {
  let body;
  try {
    body = reportView(m.name, await api(`/synth/report/${encodeURIComponent(m.name)}`));
  } catch (err) {
    body = h("p", { class: "muted" }, err.message);
  }
  return h("section", { class: "box synth-model", dataset: { name: m.name } }, h("h2", null, `${m.name} `, h("small", { class: "muted" }, m.version)), body);
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
      // the server's shared job shape: job_id, status, progress {epoch, epochs, losses}, result {version}, error
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
          ` epoch ${epoch} of ${total}`, version ? ` · published ${version}` : "", job.error ? h("span", { class: "error" }, ` · ${job.error}`) : null),
          h("progress", { max: total || 1, value: epoch }),
          series.length && series[0].points.length > 1 ? lineChart(series, { title: "Losses by epoch", xLabel: "epoch", width: 560 }) : null);
        if (job.status === "done" || job.status === "failed") break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      if (job.status === "done") setTimeout(reload, 1500);
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    } finally {
      start.disabled = false;
    }
  });
  return h("section", { class: "box" }, h("h2", null, "Fit a synthesizer (CTGAN-style GAN)"),
    h("div", { class: "row" }, h("label", null, "table ", sel), h("label", null, "epochs ", epochs), start,
      h("span", { class: "muted" }, "The report is written by `shopmind synth report <name>`.")), out);
}

function sampleForm(api, models) {
  const sel = h("select", { id: "sample-name", "aria-label": "synthesizer" }, models.map((m) => h("option", { value: m.name }, m.name)));
  const n = h("input", { id: "sample-n", type: "number", min: 1, max: 10000, value: 20, style: "width:5rem" });
  const out = h("div", { id: "sample-out" });
  const go = h("button", { id: "sample-go" }, "Sample");
  go.addEventListener("click", async () => {
    try {
      const frames = await api("/synth/sample", { method: "POST", body: { name: sel.value, n: Number(n.value) } });
      fill(out, Object.entries(frames).map(([t, rows]) => h("div", null, h("h3", null, `${t}: ${rows.length} rows`),
        rows.length ? table(Object.keys(rows[0]).map((k) => ({ key: k, format: (v) => (typeof v === "number" ? fmt(v) : v) })), rows.slice(0, 20), { id: `sample-${t}` }) : null)));
    } catch (err) {
      fill(out, h("p", { class: "error" }, err.message));
    }
  });
  return h("section", { class: "box" }, h("h2", null, "Sample synthetic rows"), h("div", { class: "row" }, sel, n, go), out);
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
