#include "cli/dashboard/page_asset.h"

namespace schemashift::cli::dashboard {

namespace {

constexpr std::string_view kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>schemashift dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root { --bg:#0f1419; --panel:#171e26; --line:#2a3440; --text:#d8dee6; --dim:#8593a3;
  --green:#3fb950; --cyan:#39c5cf; --yellow:#d29922; --red:#f85149; --blue:#58a6ff; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; align-items:center; gap:16px; padding:10px 20px; border-bottom:1px solid var(--line); }
header h1 { font-size:17px; margin:0; font-weight:600; }
header .ns { color:var(--dim); }
#conn-state { margin-left:auto; font-size:12px; padding:2px 8px; border-radius:10px; background:var(--panel); }
#conn-state.live { color:var(--green); } #conn-state.down { color:var(--red); }
#mode { font-size:12px; color:var(--dim); }
main { padding:16px 20px; display:grid; gap:16px; }
.counters { display:grid; grid-template-columns:repeat(5, 1fr); gap:12px; }
.counter { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
.counter .v { font-size:24px; font-weight:600; } .counter .k { color:var(--dim); font-size:12px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:12px 14px; }
section h2 { margin:0 0 10px; font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--dim); font-weight:500; font-size:12px; }
#migrations tbody tr { cursor:pointer; } #migrations tbody tr:hover { background:#1d2631; }
#migrations tbody tr.selected { background:#1f2d3d; }
.phase { font-weight:600; }
.phase.Completed { color:var(--green); } .phase.RolledBack, .phase.RollingBack, .phase.AwaitingContract { color:var(--yellow); }
.phase.Failed { color:var(--red); } .phase.running { color:var(--cyan); }
.bar { height:8px; background:#26313d; border-radius:4px; overflow:hidden; min-width:120px; }
.bar > div { height:100%; background:var(--cyan); transition:width .4s; }
.bar.done > div { background:var(--green); }
.pill { display:inline-block; padding:0 7px; border-radius:9px; font-size:12px; margin:1px 3px 1px 0; background:#26313d; }
.pill.ok { color:var(--green); } .pill.bad { color:var(--red); } .pill.warn { color:var(--yellow); }
.detail { display:grid; grid-template-columns: 1fr 1fr; gap:16px; }
.detail .wide { grid-column: 1 / 3; }
#timeline { display:flex; list-style:none; margin:0; padding:0; }
#timeline li { flex:1; text-align:center; position:relative; padding-top:26px; color:var(--dim); }
#timeline li::before { content:""; position:absolute; top:6px; left:50%; transform:translateX(-50%);
  width:16px; height:16px; border-radius:50%; border:2px solid var(--line); background:var(--bg); }
#timeline li::after { content:""; position:absolute; top:14px; left:calc(50% + 12px); right:calc(-50% + 12px); height:2px; background:var(--line); }
#timeline li:last-child::after { display:none; }
#timeline li[data-state=done] { color:var(--text); } #timeline li[data-state=done]::before { background:var(--green); border-color:var(--green); }
#timeline li[data-state=running]::before { background:var(--cyan); border-color:var(--cyan); animation:pulse 1.2s infinite; }
#timeline li[data-state=running] { color:var(--cyan); }
#timeline li[data-state=waiting]::before { background:var(--yellow); border-color:var(--yellow); } #timeline li[data-state=waiting] { color:var(--yellow); }
#timeline li[data-state=failed]::before { background:var(--red); border-color:var(--red); } #timeline li[data-state=failed] { color:var(--red); }
#timeline li[data-state=skipped] { text-decoration:line-through; }
#timeline .sub { display:block; font-size:11px; color:var(--dim); }
@keyframes pulse { 50% { opacity:.4; } }
.kv { display:grid; grid-template-columns:120px 1fr; gap:4px 12px; }
.kv .k { color:var(--dim); }
#detail-progress .bar { height:14px; margin:6px 0; }
.big { font-size:20px; font-weight:600; }
svg { width:100%; height:120px; background:#121920; border-radius:4px; }
svg text { fill:var(--dim); font-size:10px; }
.legend span { margin-right:12px; font-size:12px; }
#log { max-height:260px; overflow:auto; font:12px/1.5 ui-monospace, monospace; }
#log div { white-space:pre-wrap; border-bottom:1px solid #1f2831; padding:2px 0; }
#log .Warning { color:var(--yellow); }
.steps div { font:12px/1.6 ui-monospace, monospace; }
.steps .done { color:var(--green); } .steps .running { color:var(--cyan); } .steps .waiting { color:var(--yellow); }
.steps .failed { color:var(--red); } .steps .pending, .steps .skipped { color:var(--dim); }
#actions button { background:#26313d; color:var(--text); border:1px solid var(--line); border-radius:5px; padding:6px 14px; margin-right:8px; cursor:pointer; font-size:13px; }
#actions button:hover { border-color:var(--blue); } #actions button.danger { color:var(--red); }
#action-result { margin-top:8px; font-size:12px; color:var(--dim); }
.empty { color:var(--dim); padding:20px; text-align:center; }
#error { color:var(--red); }
</style>
</head>
<body>
<header>
  <h1>schemashift</h1><span class="ns" id="scope"></span><span id="mode"></span>
  <span id="conn-state">connecting</span>
</header>
<main>
  <div id="error"></div>
  <div class="counters">
    <div class="counter"><div class="v" id="counter-total">–</div><div class="k">migrations</div></div>
    <div class="counter"><div class="v" id="counter-validated">–</div><div class="k">passed validation</div></div>
    <div class="counter"><div class="v" id="counter-applied">–</div><div class="k">applied (completed)</div></div>
    <div class="counter"><div class="v" id="counter-rolledback">–</div><div class="k">rolled back / failed</div></div>
    <div class="counter"><div class="v" id="counter-duration">–</div><div class="k">last duration</div></div>
  </div>
  <section>
    <h2>Migrations</h2>
    <table id="migrations">
      <thead><tr><th>Namespace</th><th>Name</th><th>Phase</th><th>Progress</th><th>Gates</th><th>Targets</th><th>Age</th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="empty" id="no-migrations" hidden>No SchemaMigrations here yet.</div>
  </section>
  <div id="detail" hidden>
    <div class="detail">
      <section class="wide">
        <h2>Timeline · <span id="detail-name"></span></h2>
        <ul id="timeline"></ul>
      </section>
      <section>
        <h2>Status</h2>
        <div class="kv">
          <span class="k">Phase</span><span class="phase big" id="detail-phase"></span>
          <span class="k">Message</span><span id="detail-message"></span>
          <span class="k">Rolled back</span><span id="detail-rollback"></span>
          <span class="k">Last error</span><span id="detail-error"></span>
          <span class="k">Conditions</span><span id="detail-conditions"></span>
        </div>
        <div id="actions" hidden>
          <h2 style="margin-top:14px">Controls</h2>
          <button id="action-approve" data-verb="approve">Approve</button>
          <button id="action-pause" data-verb="pause">Pause</button>
          <button id="action-resume" data-verb="resume">Resume</button>
          <button id="action-abort" data-verb="abort" class="danger">Abort</button>
          <div id="action-result"></div>
        </div>
      </section>
      <section id="detail-progress">
        <h2>Backfill</h2>
        <div class="big" id="detail-percent"></div>
        <div class="bar" id="detail-bar"><div></div></div>
        <div id="detail-progress-text"></div>
        <div><span id="detail-rate"></span> <span id="detail-eta"></span></div>
        <svg id="rate-chart" viewBox="0 0 400 120" preserveAspectRatio="none"></svg>
        <div class="legend"><span>rows/s over time</span></div>
      </section>
      <section>
        <h2>Gates</h2>
        <table id="gates"><thead><tr><th>Gate</th><th>Provider</th><th>State</th><th>Last value</th></tr></thead><tbody></tbody></table>
        <svg id="gate-chart" viewBox="0 0 400 120" preserveAspectRatio="none"></svg>
        <div class="legend" id="gate-legend"></div>
      </section>
      <section>
        <h2>Steps and targets</h2>
        <div class="steps" id="steps"></div>
        <div id="targets" style="margin-top:8px"></div>
      </section>
      <section class="wide">
        <h2>Log (Events)</h2>
        <div id="log"></div>
      </section>
      <section class="wide">
        <h2>History</h2>
        <table id="history"><thead><tr><th>Phase</th><th>At</th><th>Reason</th></tr></thead><tbody></tbody></table>
      </section>
    </div>
  </div>
</main>
<script>
"use strict";
const state = { board: null, selected: decodeURIComponent(location.hash.slice(1)), series: {}, allowActions: false, updates: 0 };
const COLORS = ["#58a6ff", "#d29922", "#3fb950", "#f85149", "#bc8cff", "#39c5cf"];
const $ = (id) => document.getElementById(id);
const keyOf = (m) => m.namespace + "/" + m.name;
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function phaseClass(p) {
  return ["Completed", "RolledBack", "RollingBack", "Failed", "AwaitingContract"].includes(p) ? p : "running";
}
function duration(s) {
  if (s === null || s === undefined) return "–";
  s = Math.round(s);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60 ? (s % 60) + "s" : "");
  return Math.floor(s / 3600) + "h" + Math.floor((s % 3600) / 60) + "m";
}
function gateClass(g) {
  if (g.phase === "Failed" || g.phase === "Error") return "bad";
  if (g.tripped || g.phase === "Inconclusive") return "warn";
  if (g.phase === "Successful" || g.phase === "Running" || g.phase === "Passing") return "ok";
  return "";
}
function percent(p) { return Math.floor(100 * p.fraction) + "%"; }

// Values over time, kept in the page from the stream: per migration, the rate and each gate.
function record(board) {
  const t = Date.now();
  for (const m of board.migrations) {
    const s = state.series[keyOf(m)] || (state.series[keyOf(m)] = { rate: [], gates: {} });
    const push = (arr, v) => { if (arr.length && arr[arr.length - 1].t === t) return; arr.push({ t, v }); if (arr.length > 600) arr.shift(); };
    if (m.progress.hasBackfill) push(s.rate, m.progress.complete ? 0 : m.progress.rowsPerSecond);
    for (const g of m.gates) if (typeof g.value === "number") push(s.gates[g.name] || (s.gates[g.name] = []), g.value);
  }
}
function chart(svg, lines) {
  svg.replaceChildren();
  const all = lines.flatMap((l) => l.points);
  if (!all.length) { svg.append(svgEl("text", { x: 8, y: 18 }, "no values yet")); return; }
  const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t), t0 + 1000);
  const vmin = Math.min(0, ...all.map((p) => p.v));
  const vmax = Math.max(...all.map((p) => p.v), vmin + 1);
  const x = (t) => 4 + 392 * (t - t0) / (t1 - t0), y = (v) => 112 - 100 * (v - vmin) / (vmax - vmin || 1);
  lines.forEach((l, i) => {
    const pts = l.points.map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ");
    svg.append(svgEl("polyline", { points: pts, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
  });
  svg.append(svgEl("text", { x: 6, y: 12 }, String(+vmax.toPrecision(3))));
}
function svgEl(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderList(board) {
  const body = $("migrations").tBodies[0];
  body.replaceChildren();
  $("no-migrations").hidden = board.migrations.length > 0;
  for (const m of board.migrations) {
    const p = m.progress;
    const row = el("tr", { "data-key": keyOf(m), class: keyOf(m) === state.selected ? "selected" : "" },
      el("td", {}, m.namespace), el("td", {}, m.name),
      el("td", { class: "phase " + phaseClass(m.phase) }, m.phase + (m.paused ? " (paused)" : "")),
      el("td", {}, p.hasBackfill ? el("div", { class: "bar" + (p.complete ? " done" : "") }, barFill(p)) : "", p.hasBackfill ? percent(p) : ""),
      el("td", {}, ...m.gates.map((g) => el("span", { class: "pill " + gateClass(g) }, g.name + " " + g.phase))),
      el("td", {}, ...m.targets.map((t) => el("span", { class: "pill" }, t.service + (t.mode ? " " + t.mode : "")))),
      el("td", {}, m.age || ""));
    row.addEventListener("click", () => select(keyOf(m)));
    body.append(row);
  }
}
function barFill(p) { const d = document.createElement("div"); d.style.width = (100 * p.fraction).toFixed(1) + "%"; return d; }

function renderDetail(board) {
  const m = board.migrations.find((x) => keyOf(x) === state.selected);
  $("detail").hidden = !m;
  if (!m) return;
  $("detail-name").textContent = keyOf(m);
  const tl = $("timeline");
  tl.replaceChildren(...m.timeline.map((s) => el("li", { "data-stage": s.stage, "data-state": s.state }, s.stage, el("span", { class: "sub" }, s.state))));
  const ph = $("detail-phase");
  ph.textContent = m.phase + (m.paused ? " (paused)" : "") + (m.abortRequested && !["RolledBack", "Failed", "Completed"].includes(m.phase) ? " (abort requested)" : "");
  ph.className = "phase big " + phaseClass(m.phase);
  ph.setAttribute("data-phase", m.phase);
  $("detail-message").textContent = m.message || "–";
  $("detail-rollback").textContent = m.rollbackReason || "–";
  $("detail-error").textContent = m.lastError || "–";
  $("detail-conditions").replaceChildren(...m.conditions.map((c) => el("span", { class: "pill " + (c.status === "True" ? "ok" : "") }, c.type + "=" + c.status)));
  const p = m.progress;
  $("detail-progress").hidden = !p.hasBackfill;
  $("detail-percent").textContent = percent(p);
  $("detail-bar").className = "bar" + (p.complete ? " done" : "");
  $("detail-bar").firstChild.style.width = (100 * p.fraction).toFixed(1) + "%";
  const txt = $("detail-progress-text");
  txt.textContent = p.text; txt.setAttribute("data-rows-done", p.rowsDone); txt.setAttribute("data-rows-total", p.rowsTotal);
  $("detail-rate").textContent = p.complete ? "complete" : (p.rowsPerSecond > 0 ? Math.round(p.rowsPerSecond).toLocaleString("en-US") + " rows/s" : "");
  $("detail-eta").textContent = p.eta ? "ETA " + p.eta : "";
  const s = state.series[keyOf(m)] || { rate: [], gates: {} };
  chart($("rate-chart"), [{ points: s.rate }]);
  $("gates").tBodies[0].replaceChildren(...m.gates.map((g) => el("tr", { "data-gate": g.name },
    el("td", {}, g.name), el("td", {}, g.provider || ""), el("td", {}, el("span", { class: "pill " + gateClass(g) }, g.phase + (g.tripped ? " (tripped)" : ""))),
    el("td", {}, typeof g.value === "number" ? String(+g.value.toPrecision(4)) : "–", g.detail ? "  " + g.detail : ""))));
  const names = Object.keys(s.gates);
  chart($("gate-chart"), names.map((n) => ({ points: s.gates[n] })));
  $("gate-legend").replaceChildren(...names.map((n, i) => el("span", { style: "color:" + COLORS[i % COLORS.length] }, "● " + n)));
  const mark = { done: "✔", running: "◌", waiting: "◷", pending: "○", failed: "✖", skipped: "−" };
  $("steps").replaceChildren(...m.steps.map((st) => el("div", { class: st.state }, mark[st.state] + " " + st.name + (st.detail ? "  " + st.detail : ""))));
  $("targets").replaceChildren(...m.targets.map((t) => el("span", { class: "pill" }, t.service + ": " + (t.mode || "–") + (t.acknowledged ? " (ack " + t.acknowledged + ")" : ""))));
  const log = $("log");
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.replaceChildren(...m.events.map((e) => el("div", { class: e.type }, (e.time || "").replace("T", " ").replace(/\..*|Z$/, "") + "  " + e.reason + (e.count > 1 ? " ×" + e.count : "") + "  " + e.note)));
  if (!m.events.length) log.append(el("div", {}, "no events yet"));
  if (atBottom) log.scrollTop = log.scrollHeight;
  $("history").tBodies[0].replaceChildren(...m.history.map((h) => el("tr", {}, el("td", {}, h.phase), el("td", {}, h.at), el("td", {}, h.reason || ""))));
  $("actions").hidden = !state.allowActions;
}

function render() {
  const b = state.board;
  if (!b) return;
  $("scope").textContent = b.namespace ? "namespace " + b.namespace : "all namespaces";
  $("mode").textContent = state.allowActions ? "controls enabled" : "read-only";
  $("error").textContent = b.error || "";
  const c = b.counters;
  $("counter-total").textContent = c.total;
  $("counter-validated").textContent = c.passedValidation;
  $("counter-applied").textContent = c.applied;
  $("counter-rolledback").textContent = c.rolledBack + " / " + c.failed;
  $("counter-duration").textContent = duration(c.lastDurationSeconds);
  if (!state.selected && b.migrations.length) state.selected = keyOf(b.migrations[0]);
  renderList(b);
  renderDetail(b);
}
function select(key) { state.selected = key; history.replaceState(null, "", "#" + encodeURIComponent(key)); render(); }

async function act(verb) {
  const m = state.board && state.board.migrations.find((x) => keyOf(x) === state.selected);
  if (!m) return;
  if (verb === "abort" && !confirm("Roll back " + keyOf(m) + " now?")) return;
  const out = $("action-result");
  out.textContent = verb + "…";
  try {
    const r = await fetch("/api/migrations/" + encodeURIComponent(m.namespace) + "/" + encodeURIComponent(m.name) + "/" + verb,
      { method: "POST", headers: { "X-Schemashift-Dashboard": "action" } });
    const body = await r.json();
    out.textContent = r.ok ? body.result : (body.error || ("HTTP " + r.status));
    out.setAttribute("data-status", r.status);
  } catch (e) { out.textContent = String(e); }
}
for (const b of document.querySelectorAll("#actions button")) b.addEventListener("click", () => act(b.dataset.verb));

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("open", () => { $("conn-state").textContent = "live"; $("conn-state").className = "live"; });
  es.addEventListener("error", () => { $("conn-state").textContent = "reconnecting"; $("conn-state").className = "down"; });
  es.addEventListener("board", (ev) => {
    const board = JSON.parse(ev.data);
    state.board = board; state.updates++;
    document.body.setAttribute("data-updates", state.updates);
    record(board);
    render();
  });
}
fetch("/api/board").then((r) => r.json()).then((b) => { state.allowActions = b.allowActions; if (!state.board) { state.board = b; record(b); } render(); }).finally(connect);
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string_view page_html() { return kPage; }

}  // namespace schemashift::cli::dashboard
