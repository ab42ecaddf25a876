// Small SVG charts drawn by hand (no chart library): bars, lines, a heat-map grid and a histogram.
// Every chart is an <svg class="chart"> with a data-kind; each mark has a <title> for its tooltip.

const NS = "http://www.w3.org/2000/svg";
export const PALETTE = ["#1c7ed6", "#f76707", "#37b24d", "#ae3ec9", "#f03e3e", "#1098ad", "#fab005", "#495057"];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const tip = (text) => s("title", {}, text);

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(a < 1 ? 3 : 1);
}

// "Nice" axis ticks from lo to hi.
function ticks(lo, hi, n = 5) {
  if (hi === lo) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(+t.toFixed(10));
  return out;
}

function frame(kind, width, height, title) {
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "data-kind": kind, "aria-label": title || kind });
  if (title) svg.append(s("text", { x: 4, y: 14, class: "chart-title" }, title));
  return svg;
}

function yAxis(svg, y, lo, hi, left, right, label) {
  for (const t of ticks(lo, hi)) {
    svg.append(s("line", { x1: left, x2: right, y1: y(t), y2: y(t), class: "grid" }));
    svg.append(s("text", { x: left - 4, y: y(t) + 4, "text-anchor": "end", class: "tick" }, fmt(t)));
  }
  if (label) svg.append(s("text", { x: left, y: 30, class: "axis-label" }, label));
}

// Vertical bars: data = [{label, value, color?}]
export function barChart(data, { width = 480, height = 240, title = "", yLabel = "", color = PALETTE[0] } = {}) {
  const svg = frame("bar", width, height, title);
  const m = { l: 48, r: 8, t: title ? 36 : 12, b: 48 };
  const hi = Math.max(0, ...data.map((d) => d.value));
  const lo = Math.min(0, ...data.map((d) => d.value));
  const y = (v) => m.t + (height - m.t - m.b) * (1 - (v - lo) / (hi - lo || 1));
  yAxis(svg, y, lo, hi, m.l, width - m.r, yLabel);
  const bw = (width - m.l - m.r) / Math.max(1, data.length);
  data.forEach((d, i) => {
    const x = m.l + i * bw;
    svg.append(s("rect", { x: x + bw * 0.12, width: bw * 0.76, y: Math.min(y(d.value), y(0)), height: Math.abs(y(0) - y(d.value)), fill: d.color || color, class: "mark", "data-label": d.label, "data-value": d.value },
      tip(`${d.label}: ${fmt(d.value)}`)));
    const label = String(d.label);
    const max = Math.max(3, Math.floor(bw / 6.2));
    svg.append(s("text", { x: x + bw / 2, y: height - m.b + 14, "text-anchor": "middle", class: "tick" }, label.length > max ? `${label.slice(0, max - 1)}…` : label));
  });
  return svg;
}

// Lines: series = [{name, points: [{x, y}], color?, dash?}]; x numeric (or index).
export function lineChart(series, { width = 480, height = 260, title = "", xLabel = "", yLabel = "", xTickFormat = fmt } = {}) {
  const svg = frame("line", width, height, title);
  const m = { l: 48, r: 12, t: title ? 36 : 12, b: 56 };
  const pts = series.flatMap((se) => se.points);
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  const x = (v) => m.l + (width - m.l - m.r) * ((v - x0) / (x1 - x0 || 1));
  const y = (v) => m.t + (height - m.t - m.b) * (1 - (v - y0) / (y1 - y0 || 1));
  yAxis(svg, y, y0, y1, m.l, width - m.r, yLabel);
  for (const t of ticks(x0, x1, 6)) svg.append(s("text", { x: x(t), y: height - m.b + 14, "text-anchor": "middle", class: "tick" }, xTickFormat(t)));
  if (xLabel) svg.append(s("text", { x: width - m.r, y: height - m.b + 28, "text-anchor": "end", class: "axis-label" }, xLabel));
  series.forEach((se, i) => {
    const color = se.color || PALETTE[i % PALETTE.length];
    const d = se.points.map((p, j) => `${j ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join("");
    svg.append(s("path", { d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": se.dash, class: "mark series", "data-name": se.name }, tip(se.name)));
    svg.append(s("rect", { x: m.l + i * 110, y: height - 18, width: 10, height: 10, fill: color }));
    svg.append(s("text", { x: m.l + i * 110 + 14, y: height - 9, class: "tick" }, se.name));
  });
  return svg;
}

// Heat-map grid: rows x cols values; cells labelled with their value, darker = larger.
export function heatmap(values, { rows, cols, width = 420, height = 320, title = "", rowLabel = "", colLabel = "", cell = fmt } = {}) {
  const svg = frame("heatmap", width, height, title);
  const m = { l: 56, r: 8, t: title ? 36 : 12, b: 40 };
  const flat = values.flat().filter(Number.isFinite);
  const hi = Math.max(...flat, 1e-9), lo = Math.min(...flat, 0);
  const cw = (width - m.l - m.r) / cols.length, ch = (height - m.t - m.b) / rows.length;
  values.forEach((row, i) => row.forEach((v, j) => {
    const a = Number.isFinite(v) ? 0.08 + 0.92 * ((v - lo) / (hi - lo || 1)) : 0;
    const xx = m.l + j * cw, yy = m.t + i * ch;
    svg.append(s("rect", { x: xx + 1, y: yy + 1, width: cw - 2, height: ch - 2, fill: `rgba(28,126,214,${a.toFixed(3)})`, class: "mark cell", "data-row": rows[i], "data-col": cols[j], "data-value": v },
      tip(`${rowLabel} ${rows[i]} · ${colLabel} ${cols[j]}: ${Number.isFinite(v) ? cell(v) : "–"}`)));
    if (Number.isFinite(v)) svg.append(s("text", { x: xx + cw / 2, y: yy + ch / 2 + 4, "text-anchor": "middle", class: a > 0.55 ? "cell-text light" : "cell-text" }, cell(v)));
  }));
  rows.forEach((r, i) => svg.append(s("text", { x: m.l - 6, y: m.t + i * ch + ch / 2 + 4, "text-anchor": "end", class: "tick" }, r)));
  cols.forEach((c, j) => svg.append(s("text", { x: m.l + j * cw + cw / 2, y: height - m.b + 14, "text-anchor": "middle", class: "tick" }, c)));
  if (rowLabel) svg.append(s("text", { x: 4, y: height - 8, class: "axis-label" }, `rows: ${rowLabel}`));
  if (colLabel) svg.append(s("text", { x: width - m.r, y: height - 8, "text-anchor": "end", class: "axis-label" }, `columns: ${colLabel}`));
  return svg;
}

// Histogram of raw values (or of given bins [{lo, hi, count}]).
export function histogram(valuesOrBins, { bins = 20, ...opts } = {}) {
  let data = valuesOrBins;
  if (typeof valuesOrBins[0] === "number") {
    const v = valuesOrBins.filter(Number.isFinite);
    const lo = Math.min(...v), hi = Math.max(...v);
    const w = (hi - lo) / bins || 1;
    data = Array.from({ length: bins }, (_, i) => ({ lo: lo + i * w, hi: lo + (i + 1) * w, count: 0 }));
    for (const x of v) data[Math.min(bins - 1, Math.floor((x - lo) / w))].count++;
  }
  const svg = barChart(data.map((b) => ({ label: fmt(b.lo), value: b.count })), opts);
  svg.dataset.kind = "histogram";
  return svg;
}

// Stacked bars per x (e.g. events per day by type): rows = [{label, values: {name: n}}].
export function stackedBars(rows, names, { width = 640, height = 260, title = "", yLabel = "" } = {}) {
  const svg = frame("stacked", width, height, title);
  const m = { l: 48, r: 8, t: title ? 36 : 12, b: 56 };
  const hi = Math.max(1, ...rows.map((r) => names.reduce((a, n) => a + (r.values[n] || 0), 0)));
  const y = (v) => m.t + (height - m.t - m.b) * (1 - v / hi);
  yAxis(svg, y, 0, hi, m.l, width - m.r, yLabel);
  const bw = (width - m.l - m.r) / Math.max(1, rows.length);
  const every = Math.ceil(rows.length / 8);
  rows.forEach((r, i) => {
    let acc = 0;
    names.forEach((n, k) => {
      const v = r.values[n] || 0;
      if (!v) return;
      svg.append(s("rect", { x: m.l + i * bw + bw * 0.1, width: bw * 0.8, y: y(acc + v), height: y(acc) - y(acc + v), fill: PALETTE[k % PALETTE.length], class: "mark" }, tip(`${r.label} · ${n}: ${fmt(v)}`)));
      acc += v;
    });
    if (i % every === 0) svg.append(s("text", { x: m.l + i * bw + bw / 2, y: height - m.b + 14, "text-anchor": "middle", class: "tick" }, r.label));
  });
  names.forEach((n, k) => {
    svg.append(s("rect", { x: m.l + k * 100, y: height - 18, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }));
    svg.append(s("text", { x: m.l + k * 100 + 14, y: height - 9, class: "tick" }, n));
  });
  return svg;
}

// Scatter: points = [{x, y, group, label?}], coloured by group (legend from groupNames).
export function scatter(points, { width = 520, height = 360, title = "", groupNames = {} } = {}) {
  const svg = frame("scatter", width, height, title);
  const m = { l: 40, r: 12, t: title ? 36 : 12, b: 40 };
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const x = (v) => m.l + (width - m.l - m.r) * ((v - x0) / (x1 - x0 || 1));
  const y = (v) => m.t + (height - m.t - m.b) * (1 - (v - y0) / (y1 - y0 || 1));
  svg.append(s("rect", { x: m.l, y: m.t, width: width - m.l - m.r, height: height - m.t - m.b, fill: "none", class: "grid", stroke: "#edf0f2" }));
  const groups = [...new Set(points.map((p) => p.group))].sort((a, b) => a - b);
  for (const p of points) {
    const k = groups.indexOf(p.group);
    svg.append(s("circle", { cx: x(p.x).toFixed(1), cy: y(p.y).toFixed(1), r: 2.6, fill: PALETTE[k % PALETTE.length], "fill-opacity": 0.7, class: "mark point", "data-group": p.group },
      tip(`${p.label ?? ""} ${groupNames[p.group] ?? p.group}`)));
  }
  groups.forEach((g, k) => {
    svg.append(s("rect", { x: m.l + k * 90, y: height - 18, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }));
    svg.append(s("text", { x: m.l + k * 90 + 14, y: height - 9, class: "tick" }, String(groupNames[g] ?? g).slice(0, 12)));
  });
  return svg;
}
