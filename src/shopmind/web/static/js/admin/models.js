// Models: every artifact kind's versions with metrics, which one serves, switch version, retrain as a job.
import { fill, formatTime, h, toast } from "../dom.js";
import { barChart } from "../charts.js";
import { num, table } from "./table.js";

const KEY_METRICS = ["valid_ndcg@10", "test_ndcg@10", "test_hr@10", "test_recall@20", "test_coverage@10", "accuracy", "f1", "loss"];
const POLL_MS = 1000;

function versionTime(v) {
  const m = /(\d{8})T(\d{6})/.exec(v.version);
  return m ? `${m[1].slice(0, 4)}-${m[1].slice(4, 6)}-${m[1].slice(6)} ${m[2].slice(0, 2)}:${m[2].slice(2, 4)}` : "";
}

function kindBox(api, kind, reload) {
  let metrics = KEY_METRICS.filter((k) => kind.versions.some((v) => v.metrics && k in v.metrics));
  if (!metrics.length) // a kind with its own metric names (e.g. nlu): the first few numeric ones
    metrics = [...new Set(kind.versions.flatMap((v) => Object.entries(v.metrics || {})
      .filter(([, x]) => typeof x === "number").map(([k]) => k)))].slice(0, 4);
  const cols = [
    { key: "version", format: (v, r) => h("span", null, v, r.current ? h("span", { class: "badge ok" }, " serving") : null) },
    { key: "model" },
    { key: "trained", format: (_, r) => versionTime(r) },
    ...metrics.map((m) => ({ key: m, label: m, num: true, format: (_, r) => num(4)((r.metrics || {})[m]) })),
    { key: "action", label: "", format: (_, r) => (r.current ? "" : h("button", {
      class: "publish", onclick: () => publish(api, kind.kind, r.version, reload),
    }, "serve this")) },
  ];
  const main = metrics.find((m) => m.startsWith("test_")) || metrics[0];
  const chartData = kind.versions.slice(0, 12).reverse().filter((v) => v.metrics && main in v.metrics)
    .map((v) => ({ label: `${v.model || ""} ${versionTime(v).slice(11)}`, value: v.metrics[main], color: v.current ? "#37b24d" : undefined }));
  return h("section", { class: "box", dataset: { kind: kind.kind } },
    h("h2", null, `${kind.kind} `, h("small", { class: "muted" }, kind.current ? `serving ${kind.current}` : "nothing published")),
    table(cols, kind.versions, { rowClass: (r) => (r.current ? "current" : "") }),
    chartData.length > 1 ? h("div", { class: "charts" }, barChart(chartData, { title: `${main} by version (green: serving)`, width: 560 })) : null);
}

// Serve a version; when the kind's quality gate refuses it (409: worse than the serving one), ask first.
async function publish(api, kind, version, reload) {
  const path = `/admin/models/${encodeURIComponent(kind)}/publish`;
  try {
    await api(path, { method: "POST", body: { version } });
  } catch (err) {
    if (err.status !== 409 || !window.confirm(`${err.message}\n\nServe ${version} anyway?`)) throw err;
    await api(path, { method: "POST", body: { version, force: true } });
  }
  toast(`${kind}: now serving ${version}`);
  reload();
}

function outcome(result) {
  if (!result || !result.version) return null;
  if (result.published === false)
    return h("span", { class: "error", id: "job-refused" }, ` · kept ${result.version}, not published: ${result.refused}`);
  return ` · published ${result.version}`;
}

function jobView(job) {
  return h("div", { id: "job", dataset: { status: job.status } },
    h("p", null, h("strong", null, job.title), " ", h("span", { class: `badge ${job.status}` }, job.status),
      job.seconds != null ? ` · ${job.seconds}s` : "", job.error ? h("span", { class: "error" }, ` · ${job.error}`) : null,
      outcome(job.result)),
    h("pre", { class: "joblog" }, job.log.length ? job.log.join("\n") : "waiting for the first progress line…"));
}

async function follow(api, jobBox, jobId, done) {
  for (;;) {
    const job = await api(`/admin/jobs/${encodeURIComponent(jobId)}`);
    fill(jobBox, jobView(job));
    if (job.status === "done" || job.status === "failed") return done(job);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function renderModels(panel, api) {
  const data = await api("/admin/models");
  const reload = () => renderModels(panel, api);
  const jobBox = h("div", { id: "job-box" });
  const kinds = Object.keys(data.retrainable);
  const kindSel = h("select", { id: "retrain-kind", "aria-label": "kind" }, kinds.map((k) => h("option", { value: k }, k)));
  const modelSel = h("select", { id: "retrain-model", "aria-label": "model" });
  const fillModels = () => fill(modelSel, (data.retrainable[kindSel.value] || []).map((m) => h("option", { value: m }, m)));
  kindSel.addEventListener("change", fillModels);
  fillModels();
  const force = h("input", { type: "checkbox", id: "retrain-force" });
  const start = h("button", { id: "retrain", class: "primary" }, "Retrain");
  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      const body = { model: modelSel.value, force: force.checked };
      const job = await api(`/admin/models/${encodeURIComponent(kindSel.value)}/retrain`, { method: "POST", body });
      await follow(api, jobBox, job.job_id, (j) => {
        toast(j.status === "done" ? `${j.title}: done` : `${j.title}: failed`);
        if (j.status === "done") setTimeout(reload, 1500);
      });
    } catch (err) {
      fill(jobBox, h("p", { class: "error" }, err.message));
    } finally {
      start.disabled = false;
    }
  });
  const jobs = await api("/admin/jobs");
  fill(panel,
    h("h1", null, "Models"),
    h("section", { class: "box" }, h("h2", null, "Retrain"),
      h("div", { class: "row" }, h("label", null, "kind ", kindSel), h("label", null, "model ", modelSel),
        h("label", { title: "Publish it even if its validation metric falls short of the serving version's" }, force, " even if worse"), start,
        h("span", { class: "muted" }, "Trains on the store's current data in the background, evaluates, and publishes the new version unless it is worse than the one serving.")),
      jobBox,
      jobs.length ? h("details", null, h("summary", null, `Earlier jobs (${jobs.length})`),
        table([{ key: "title" }, { key: "status" }, { key: "created_at", label: "started", format: formatTime }, { key: "seconds", num: true }], jobs)) : null),
    data.kinds.length ? data.kinds.map((k) => kindBox(api, k, reload)) : h("p", { class: "muted" }, "No model has been trained yet."),
  );
  const running = jobs.find((j) => j.status === "running" || j.status === "queued");
  if (running) follow(api, jobBox, running.job_id, () => setTimeout(reload, 1500));
}
