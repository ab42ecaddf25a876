// A synthesizer's report for people: findings in plain words (English or 中文), the headline figures,
// one chart per column (real vs synthetic), the rules and formats checked, privacy, and the
// held-out score by epoch that chose when training stopped.
import { h } from "../dom.js";
import { fmt, lineChart } from "../charts.js";
import { num, table } from "./table.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = { real: "#1c7ed6", synthetic: "#f76707" };
const WORDS = {
  en: { findings: "What the report says", columns: "Each column: real vs synthetic", rules: "Rules", formats: "Generated formats",
    privacy: "Privacy", checks: "Held-out score by epoch (training keeps the best)", constraint: "rule", broken: "rows breaking it",
    real: "real", synthetic: "synthetic", related: "Related table", measure: "measure", value: "value",
    column: "column", kind: "kind", valid: "valid", copied: "copied", distinct: "distinct",
    verdict: { good: "good", fair: "fair", poor: "poor" } },
  zh: { findings: "报告结论", columns: "逐列对比：真实 vs 合成", rules: "规则", formats: "生成的格式", privacy: "隐私",
    checks: "各轮次的验证得分（训练保留最佳轮次）", constraint: "规则", broken: "违反的行数", real: "真实", synthetic: "合成",
    related: "关联表", measure: "指标", value: "数值", column: "列", kind: "类型", valid: "格式有效", copied: "与真实值相同",
    distinct: "互不重复", verdict: { good: "良好", fair: "一般", poor: "较差" } },
};
const CARD = {
  quality_score: ["similarity", "相似度"], tstr_auc: ["model AUC on real rows", "真实数据上的模型 AUC"],
  mia_auc: ["membership-inference AUC", "成员推断 AUC"], rules_broken: ["rows breaking a rule", "违反规则的行"],
  real: ["real rows", "真实行数"], synthetic: ["synthetic rows", "合成行数"],
};

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// Real and synthetic shares side by side per bin or category: view = {kind, labels, real, synthetic}.
export function pairChart(column, view, score, words, { width = 300, height = 170 } = {}) {
  const svg = s("svg", { class: "chart column-chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "data-kind": "pair", "data-column": column, "aria-label": column });
  const m = { l: 8, r: 8, t: 30, b: 34 };
  const hi = Math.max(1e-9, ...view.real, ...view.synthetic);
  const y = (v) => m.t + (height - m.t - m.b) * (1 - v / hi);
  const n = view.labels.length, bw = (width - m.l - m.r) / Math.max(1, n);
  svg.append(s("text", { x: 4, y: 14, class: "chart-title" }, `${column}${score === undefined ? "" : ` · ${score.toFixed(2)}`}`));
  view.labels.forEach((label, i) => {
    ["real", "synthetic"].forEach((k, j) => {
      const v = view[k][i];
      svg.append(s("rect", { x: m.l + i * bw + bw * (0.1 + 0.4 * j), width: bw * 0.4, y: y(v), height: y(0) - y(v),
        fill: COLORS[k], class: `mark ${k}`, "data-label": label }, s("title", {}, `${label} · ${words[k]}: ${(100 * v).toFixed(1)}%`)));
    });
  });
  const every = Math.ceil(n / 4);
  view.labels.forEach((label, i) => {
    if (i % every === 0) svg.append(s("text", { x: m.l + i * bw, y: height - m.b + 12, class: "tick" }, String(label).slice(0, 12)));
  });
  ["real", "synthetic"].forEach((k, j) => {
    svg.append(s("rect", { x: m.l + j * 90, y: height - 14, width: 10, height: 10, fill: COLORS[k] }));
    svg.append(s("text", { x: m.l + j * 90 + 14, y: height - 5, class: "tick" }, words[k]));
  });
  return svg;
}

function cards(report, lang) {
  const i = lang === "zh" ? 1 : 0;
  const broken = report.rules ? Object.values(report.rules.constraints || {}).reduce((a, b) => a + b, 0) : undefined;
  const values = { quality_score: report.quality_score, tstr_auc: report.ml_utility?.synthetic?.auc,
    mia_auc: report.privacy?.membership_inference_auc, rules_broken: broken,
    real: report.rows?.real, synthetic: report.rows?.synthetic };
  return h("div", { class: "cards" }, Object.entries(values).filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => h("div", { class: "stat", dataset: { key: k } },
      h("div", { class: "n" }, Number.isInteger(v) ? v.toLocaleString() : fmt(v)), h("div", { class: "l" }, CARD[k][i]))));
}

function findings(report, lang) {
  const words = WORDS[lang];
  return h("ul", { class: "findings" }, (report.summary || []).map((f) => h("li", { dataset: { topic: f.topic, verdict: f.verdict } },
    h("span", { class: `badge ${f.verdict === "good" ? "ok" : f.verdict === "poor" ? "bad" : "running"}` }, words.verdict[f.verdict] || f.verdict), " ", f[lang])));
}

function rulesTables(report, words) {
  const r = report.rules;
  if (!r) return null;
  const rows = Object.entries(r.constraints || {}).map(([k, v]) => ({ rule: k, broken: v, real: (r.real || {})[k] }));
  const formats = Object.entries(r.formats || {}).map(([col, f]) => ({ column: col, ...f }));
  return h("div", null,
    rows.length ? [h("h3", null, words.rules), table([{ key: "rule", label: words.constraint }, { key: "broken", label: words.broken, num: true },
      { key: "real", label: `${words.real}`, num: true }], rows, { id: "rules" })] : null,
    formats.length ? [h("h3", null, words.formats), table([{ key: "column", label: words.column }, { key: "kind", label: words.kind },
      { key: "valid", label: words.valid, num: true, format: num(3) }, { key: "copied", label: words.copied, num: true, format: num(3) },
      { key: "distinct", label: words.distinct, num: true, format: num(3) }], formats, { id: "formats" })] : null);
}

export function reportView(name, report, lang = "en") {
  const words = WORDS[lang];
  const cols = Object.entries(report.columns || {});
  const checks = report.model?.checks || [];
  const box = h("div", { class: "report", dataset: { name, lang } },
    h("h3", null, words.findings), findings(report, lang), cards(report, lang),
    cols.length ? [h("h3", null, words.columns), h("div", { class: "charts column-charts" },
      cols.map(([c, view]) => pairChart(c, view, (report.per_column || {})[c], words)))] : null,
    h("div", { class: "charts" }, rulesTables(report, words),
      h("div", null, h("h3", null, words.privacy), table([{ key: 0, label: words.measure }, { key: 1, label: words.value, num: true, format: num(4) }],
        Object.entries(report.privacy || {}), { id: "privacy" })),
      checks.length > 1 ? lineChart([{ name: "score", points: checks.map((c) => ({ x: c.epoch, y: c.score })) }],
        { title: words.checks, xLabel: "epoch", width: 420 }) : null));
  for (const [child, rep] of Object.entries(report.related || {})) {
    box.append(h("details", { class: "related", dataset: { table: child } }, h("summary", null, `${words.related}: ${child}`),
      reportView(child, rep, lang)));
  }
  return box;
}
