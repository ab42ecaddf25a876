// Import: upload a file, preview it with the guessed (or recognised) mapping, change the mapping, import, see the rejects.
import { fill, h } from "../dom.js";
import { num, table } from "./table.js";

const KINDS = ["products", "customers", "events", "orders"];

// What a row of the preview reads as under a mapping: {field: value} for the mapped and exactly named fields.
function mappedRows(preview, mapping) {
  const at = (col) => preview.preview_columns.indexOf(col);
  return preview.rows.map((row) => Object.fromEntries(preview.fields.map((f) => {
    const col = preview.recognised ? f.name : (mapping[f.name] || (preview.columns.includes(f.name) ? f.name : ""));
    return [f.name, col && at(col) >= 0 ? row[at(col)] : ""];
  })));
}

function mappingForm(preview, mapping, onChange) {
  if (preview.recognised) {
    return h("p", { id: "import-recognised", class: "badge done" }, `Recognised as ${preview.recognised}: no mapping needed.`);
  }
  return h("table", { class: "data", id: "import-mapping" },
    h("thead", null, h("tr", null, h("th", null, "field"), h("th", null, "read from column"))),
    h("tbody", null, preview.fields.map((f) => {
      const exact = preview.columns.includes(f.name);
      const select = h("select", { id: `map-${f.name}`, "aria-label": `column for ${f.name}`, disabled: exact,
        onchange: (e) => { if (e.target.value) mapping[f.name] = e.target.value; else delete mapping[f.name]; onChange(); } },
        h("option", { value: "" }, exact ? `${f.name} (same name)` : "— not in the file —"),
        exact ? null : preview.columns.map((c) => h("option", { value: c, selected: mapping[f.name] === c }, c)));
      return h("tr", null, h("td", null, f.required ? h("strong", null, `${f.name} *`) : f.name), h("td", null, select));
    })));
}

async function download(api, url, name) {
  const blob = await api(url, { as: "blob" });
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function resultView(api, res) {
  const counts = [["read", res.rows_read], ["written", res.rows_written], ["rejected", res.rows_rejected]];
  if (res.rows_folded) counts.push(["folded into their product", res.rows_folded]);
  return h("section", { class: "box", id: "import-result", dataset: { written: res.rows_written, rejected: res.rows_rejected } },
    h("h2", null, `Imported ${res.kind} from ${res.source}`),
    h("div", { class: "cards" }, counts.map(([label, n]) => h("div", { class: "stat" }, h("div", { class: "n" }, num()(n)), h("div", { class: "l" }, label)))),
    res.recognised ? h("p", null, `Recognised as ${res.recognised}.`) : null,
    res.rejects.length ? [
      h("h3", null, `Rejected rows (first ${res.rejects.length} of ${res.rows_rejected})`),
      table(res.reject_columns.slice(0, 4).map((c, i) => ({ key: i, label: c })), res.rejects, { id: "import-rejects" }),
      h("p", null, h("a", { href: "#import", id: "import-rejects-download", onclick: (e) => { e.preventDefault(); download(api, res.rejects_url, `rejects-${res.run_id}.csv`); } },
        "Download every rejected row with its values (CSV)")),
    ] : h("p", { class: "muted" }, "No row was rejected."),
    h("p", { class: "muted" }, "Search and recommendations pick the new rows up in the background within seconds."));
}

function previewView(api, preview, box) {
  const mapping = { ...preview.mapping };
  const rowsBox = h("div", { id: "import-rows" });
  const showRows = () => fill(rowsBox, table(preview.fields.map((f) => ({ key: f.name })), mappedRows(preview, mapping)));
  const status = h("p", { class: "status", role: "status" });
  const run = h("button", { class: "primary", id: "import-run", onclick: async () => {
    run.disabled = true;
    status.textContent = "Importing…";
    try {
      const res = await api(`/admin/imports/${preview.upload_id}`, { method: "POST", body: { mapping: preview.recognised ? {} : mapping } });
      status.textContent = "";
      fill(box, resultView(api, res));
    } catch (err) {
      run.disabled = false;
      status.textContent = "";
      box.append(h("p", { class: "error", role: "alert" }, err.message));
    }
  } }, `Import ${preview.kind}`);
  showRows();
  return h("section", { class: "box", id: "import-preview", dataset: { uploadId: preview.upload_id } },
    h("h2", null, `${preview.filename} · ${preview.format} · ${num()(preview.size)} bytes`),
    mappingForm(preview, mapping, showRows),
    h("h3", null, `First ${preview.rows.length} rows as they will be read`), rowsBox,
    h("div", { class: "row" }, run, status));
}

export async function renderImport(panel, api) {
  const box = h("div", { id: "import-box" });
  const kind = h("select", { id: "import-kind", "aria-label": "what the file holds" }, KINDS.map((k) => h("option", { value: k }, k)));
  const file = h("input", { type: "file", id: "import-file", accept: ".csv,.tsv,.jsonl,.ndjson,.json,.parquet,.pq", "aria-label": "file to import" });
  const upload = h("button", { class: "primary", id: "import-upload", onclick: async () => {
    if (!file.files.length) return fill(box, h("p", { class: "error", role: "alert" }, "Choose a file first."));
    fill(box, h("p", { class: "status" }, "Uploading…"));
    try {
      const preview = await api("/admin/imports", { method: "POST", body: file.files[0], params: { kind: kind.value, filename: file.files[0].name } });
      fill(box, previewView(api, preview, box));
    } catch (err) {
      fill(box, h("p", { class: "error", role: "alert" }, err.message));
    }
  } }, "Upload and preview");
  fill(panel, h("h1", null, "Import"),
    h("p", { class: "muted" }, "CSV, JSON Lines or Parquet. Shopify and WooCommerce product exports are recognised as they are; other files get their columns guessed, which you can change before importing."),
    h("div", { class: "row" }, kind, file, upload), box);
}
