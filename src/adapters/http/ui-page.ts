/**
 * The visualiser's one page: inline CSS and a small inline script, nothing fetched from anywhere
 * but this server (the Content-Security-Policy the server sends enforces it). The script reads
 * the JSON API and draws the DAG as SVG in columns by dependency depth, Luigi-style.
 */

export interface UiPageConfig {
  /** The task family shown when the URL names none. */
  readonly task: string;
  /** The as-of date shown when the URL names none. */
  readonly date: string;
  /** Families offered in the task picker. */
  readonly tasks: readonly string[];
  /** Refresh period while a task is running, and otherwise. */
  readonly pollRunningMs: number;
  readonly pollIdleMs: number;
  /** The store's root URI, shown in the header. */
  readonly store: string;
}

/** JSON that is safe inside a <script> element: no `<` can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa;
  --complete: #2f855a; --complete-bg: #e6f4ea; --running: #2b6cb0; --running-bg: #e3effc;
  --failed: #c53030; --failed-bg: #fdecec; --pending: #7b8794; --pending-bg: #f0f2f5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 12px 20px; background: #243b53; color: #fff; }
header h1 { margin: 0; font-size: 18px; font-weight: 600; }
header form { display: flex; gap: 8px; align-items: center; }
header label { font-size: 13px; color: #d9e2ec; }
header select, header input, header button { font: inherit; padding: 3px 6px; border-radius: 4px; border: 1px solid #829ab1; }
header button { background: #f0f4f8; cursor: pointer; }
#meta { margin-left: auto; font-size: 12px; color: #bcccdc; text-align: right; }
main { padding: 16px 20px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
section h2 { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
.row { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
#error { display: none; padding: 8px 12px; border-radius: 6px; background: var(--failed-bg); color: var(--failed); border: 1px solid #f5b5b5; }
#error.shown { display: block; }
#graph-wrap { overflow-x: auto; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-bottom: 6px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.legend .l-complete::before { background: var(--complete); } .legend .l-running::before { background: var(--running); }
.legend .l-failed::before { background: var(--failed); } .legend .l-pending::before { background: var(--pending); }
svg text { font-family: inherit; }
.node rect { stroke-width: 2; }
.node .family { font-size: 14px; font-weight: 600; fill: var(--ink); }
.node .params { font-size: 11px; fill: var(--muted); }
.node .state { font-size: 11.5px; font-weight: 600; }
.s-complete rect { fill: var(--complete-bg); stroke: var(--complete); } .s-complete .state { fill: var(--complete); }
.s-running rect { fill: var(--running-bg); stroke: var(--running); stroke-dasharray: 8 4; animation: march 0.8s linear infinite; }
.s-running .state { fill: var(--running); }
.s-failed rect { fill: var(--failed-bg); stroke: var(--failed); } .s-failed .state { fill: var(--failed); }
.s-pending rect { fill: var(--pending-bg); stroke: var(--pending); } .s-pending .state { fill: var(--pending); }
@keyframes march { to { stroke-dashoffset: -12; } }
.edge { fill: none; stroke: #9aa5b1; stroke-width: 1.5; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.b-success, .b-complete { background: var(--complete-bg); color: var(--complete); }
.b-failed { background: var(--failed-bg); color: var(--failed); }
.b-running { background: var(--running-bg); color: var(--running); }
.b-unfinished, .b-pending { background: var(--pending-bg); color: var(--pending); }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.failure { color: var(--failed); font-size: 12px; }
`;

/*
 * Plain ES2017 without template literals, so it can live inside this TypeScript template string.
 * Every value from the server goes into the page through textContent or setAttribute, never as
 * markup: task ids and error messages come from the store.
 */
const SCRIPT = `
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('ui-config').textContent);
  var qs = new URLSearchParams(location.search);
  var task = qs.get('task') || cfg.task;
  var date = qs.get('date') || cfg.date;
  var SVG = 'http://www.w3.org/2000/svg';
  var W = 184, H = 60, GAP_X = 40, GAP_Y = 16, PAD = 12;
  var lastGraph = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sel(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmtMs(ms) {
    if (ms === undefined || ms === null) return '';
    var s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
    return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }
  function fmtTs(ts) { return ts ? ts.replace('T', ' ').replace(/\\.\\d+Z$/, 'Z') : ''; }
  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '\\u2026' : s; }
  function getJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
        return body;
      });
    });
  }

  function layout(graph) {
    var depth = {}, deps = {};
    graph.nodes.forEach(function (n) { deps[n.id] = []; });
    graph.edges.forEach(function (e) { if (deps[e.to]) deps[e.to].push(e.from); });
    // Nodes arrive dependencies first, so one pass gives the longest path from a leaf.
    graph.nodes.forEach(function (n) {
      depth[n.id] = deps[n.id].reduce(function (d, p) { return Math.max(d, (depth[p] || 0) + 1); }, 0);
    });
    var cols = [];
    graph.nodes.forEach(function (n) { (cols[depth[n.id]] = cols[depth[n.id]] || []).push(n); });
    var row = {};
    cols.forEach(function (col, c) {
      if (c > 0) {
        // Order a column by the mean row of what each node requires: fewer crossing edges.
        var key = function (n) {
          var ps = deps[n.id];
          return ps.length ? ps.reduce(function (a, p) { return a + row[p]; }, 0) / ps.length : 0;
        };
        col.sort(function (a, b) { return key(a) - key(b); });
      }
      col.forEach(function (n, r) { row[n.id] = r; });
    });
    var rows = cols.reduce(function (m, col) { return Math.max(m, col.length); }, 0);
    var pos = {};
    cols.forEach(function (col, c) {
      var offset = (rows - col.length) * (H + GAP_Y) / 2;
      col.forEach(function (n, r) { pos[n.id] = { x: PAD + c * (W + GAP_X), y: PAD + offset + r * (H + GAP_Y) }; });
    });
    return { pos: pos, width: PAD * 2 + cols.length * W + Math.max(0, cols.length - 1) * GAP_X, height: PAD * 2 + rows * H + Math.max(0, rows - 1) * GAP_Y };
  }

  function drawGraph(graph) {
    var box = layout(graph);
    // A long chain is shrunk to the panel's width (down to 60%), then scrolls.
    var wrap = $('graph-wrap');
    var scale = Math.max(0.6, Math.min(1, (wrap.clientWidth || box.width) / box.width));
    var svg = sel('svg', { id: 'dag', width: Math.floor(box.width * scale), height: Math.ceil(box.height * scale), viewBox: '0 0 ' + box.width + ' ' + box.height, role: 'img', 'aria-label': 'task graph of ' + graph.roots.join(', ') });
    var defs = sel('defs');
    var marker = sel('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(sel('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#9aa5b1' }));
    defs.appendChild(marker);
    // Long labels are cut at the box's edge (each node's text is in the node's own coordinates).
    var clipPath = sel('clipPath', { id: 'node-clip' });
    clipPath.appendChild(sel('rect', { x: 0, y: 0, width: W - 8, height: H }));
    defs.appendChild(clipPath);
    svg.appendChild(defs);
    graph.edges.forEach(function (e) {
      var a = box.pos[e.from], b = box.pos[e.to];
      if (!a || !b) return;
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
      svg.appendChild(sel('path', { class: 'edge', d: 'M ' + x1 + ' ' + y1 + ' C ' + mid + ' ' + y1 + ', ' + mid + ' ' + y2 + ', ' + (x2 - 1) + ' ' + y2, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
    });
    graph.nodes.forEach(function (n) {
      var p = box.pos[n.id];
      var g = sel('g', { class: 'node s-' + n.status, transform: 'translate(' + p.x + ',' + p.y + ')', 'data-task-id': n.id, 'data-status': n.status });
      var tip = n.id + '\\n' + n.status + (n.durationMs !== undefined ? ' (' + fmtMs(n.durationMs) + ')' : '') +
        (n.runId ? '\\nrun ' + n.runId : '') + (n.lastEvent === 'task_blocked' ? '\\nblocked: an upstream task failed' : '') + (n.error ? '\\n' + n.error : '');
      g.appendChild(sel('title', {}, tip));
      g.appendChild(sel('rect', { width: W, height: H, rx: 7 }));
      g.appendChild(sel('text', { class: 'family', x: 10, y: 19, 'clip-path': 'url(#node-clip)' }, n.family));
      // The page's date is in the header; repeating it in every box only crowds them.
      var params = Object.keys(n.params).map(function (k) { return n.params[k] === '' || (k === 'date' && n.params[k] === date) ? null : k + '=' + n.params[k]; }).filter(Boolean).join(', ');
      g.appendChild(sel('text', { class: 'params', x: 10, y: 35, 'clip-path': 'url(#node-clip)' }, clip(params, 40)));
      var state = n.status + (n.durationMs !== undefined ? ' \\u00b7 ' + fmtMs(n.durationMs) : '') + (n.attempt > 1 ? ' \\u00b7 attempt ' + n.attempt : '');
      g.appendChild(sel('text', { class: 'state', x: 10, y: 51 }, state));
      svg.appendChild(g);
    });
    wrap.replaceChildren(svg);
    var counts = { complete: 0, running: 0, failed: 0, pending: 0 };
    graph.nodes.forEach(function (n) { counts[n.status]++; });
    $('graph-summary').textContent = graph.nodes.length + ' tasks: ' + counts.complete + ' complete, ' + counts.running + ' running, ' + counts.failed + ' failed, ' + counts.pending + ' pending';
  }

  function drawHistory(runs, graph) {
    var live = {};
    (graph ? graph.nodes : []).forEach(function (n) { if (n.status === 'running' && n.runId) live[n.runId] = true; });
    var body = $('history').querySelector('tbody');
    body.replaceChildren();
    if (runs.length === 0) {
      var tr = el('tr');
      tr.appendChild(el('td', { colspan: 6, class: 'muted' }, 'No runs recorded in this store yet.'));
      body.appendChild(tr);
      return;
    }
    runs.forEach(function (r) {
      var status = r.status === 'unfinished' && live[r.runId] ? 'running' : r.status;
      var tr = el('tr', { 'data-run-id': r.runId, 'data-status': status });
      tr.appendChild(el('td', { class: 'mono' }, r.runId));
      tr.appendChild(el('td', { class: 'mono' }, fmtTs(r.startedAt)));
      var st = el('td');
      st.appendChild(el('span', { class: 'badge b-' + status }, status));
      tr.appendChild(st);
      tr.appendChild(el('td', { class: 'num' }, fmtMs(r.durationMs)));
      tr.appendChild(el('td', { class: 'num' }, r.counts ? r.counts.ran + ' / ' + r.counts.complete + ' / ' + r.counts.failed + ' / ' + r.counts.blocked : ''));
      var what = el('td');
      what.appendChild(el('div', {}, r.roots.join(', ')));
      r.failures.forEach(function (f) { what.appendChild(el('div', { class: 'failure' }, f.taskId + ': ' + f.error)); });
      tr.appendChild(what);
      body.appendChild(tr);
    });
  }

  function drawModel(res) {
    var box = $('model');
    box.replaceChildren();
    var m = res.model;
    if (!m) { box.appendChild(el('p', { class: 'muted' }, 'No trained model on or before ' + date + ' yet.')); return; }
    box.appendChild(el('p', {}, 'TrainModel of ' + m.date + (m.complete ? '' : ' (not marked complete yet)')));
    if (m.problem) box.appendChild(el('p', { class: 'muted' }, m.problem));
    if (m.metrics.length > 0) {
      var t = el('table', { id: 'metrics' });
      var tb = el('tbody');
      m.metrics.forEach(function (x) {
        var tr = el('tr');
        tr.appendChild(el('th', {}, x.name));
        tr.appendChild(el('td', { class: 'num' }, typeof x.value === 'number' && !Number.isInteger(x.value) ? x.value.toFixed(4) : x.value));
        tb.appendChild(tr);
      });
      t.appendChild(tb);
      box.appendChild(t);
    }
  }

  function drawReport(res) {
    var box = $('report');
    box.replaceChildren();
    if (!res.report) { box.appendChild(el('p', { class: 'muted' }, 'No report on or before ' + date + ' yet.')); return; }
    var p = el('p');
    p.appendChild(el('a', { id: 'report-link', href: res.report.href }, 'Report of ' + res.report.date));
    box.appendChild(p);
  }

  function showError(message) {
    var e = $('error');
    e.textContent = message || '';
    e.className = message ? 'shown' : '';
  }

  var q = '?task=' + encodeURIComponent(task) + '&date=' + encodeURIComponent(date);
  function refresh() {
    var graphP = getJson('api/graph' + q).then(function (g) { lastGraph = g; drawGraph(g); return g; });
    var all = Promise.all([
      graphP,
      getJson('api/history?limit=20'),
      getJson('api/model?date=' + encodeURIComponent(date)),
      getJson('api/report?date=' + encodeURIComponent(date)),
    ]).then(function (r) {
      drawHistory(r[1].runs, r[0]);
      drawModel(r[2]);
      drawReport(r[3]);
      showError('');
    });
    return all.catch(function (err) { showError('Could not refresh: ' + err.message); }).then(function () {
      var running = lastGraph !== null && lastGraph.running;
      var every = running ? cfg.pollRunningMs : cfg.pollIdleMs;
      $('meta').textContent = 'store ' + cfg.store + ' \\u00b7 updated ' + new Date().toLocaleTimeString() + ' \\u00b7 refreshing every ' + every / 1000 + ' s' + (running ? ' (run in progress)' : '');
      document.body.setAttribute('data-running', String(running));
      setTimeout(refresh, every);
    });
  }

  var picker = $('task');
  var names = cfg.tasks.indexOf(task) >= 0 ? cfg.tasks : cfg.tasks.concat([task]);
  names.forEach(function (name) {
    var o = el('option', { value: name }, name);
    if (name === task) o.selected = true;
    picker.appendChild(o);
  });
  $('date').value = date;
  window.addEventListener('resize', function () { if (lastGraph) drawGraph(lastGraph); });
  document.title = task + ' ' + date + ' \\u2014 returns';
  refresh();
})();
`;

/** The page; `nonce` must match the Content-Security-Policy header sent with it. */
export function renderUiPage(config: UiPageConfig, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>returns</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>returns &middot; pipeline</h1>
  <form method="get" action="">
    <label for="task">task</label> <select id="task" name="task"></select>
    <label for="date">date</label> <input id="date" name="date" type="date" required>
    <button type="submit">Show</button>
  </form>
  <div id="meta">loading&hellip;</div>
</header>
<main>
  <div id="error" role="alert"></div>
  <section>
    <h2>Task graph</h2>
    <div class="legend"><span class="l-complete">complete</span><span class="l-running">running</span><span class="l-failed">failed</span><span class="l-pending">pending</span><span id="graph-summary"></span></div>
    <div id="graph-wrap"></div>
  </section>
  <div class="row">
    <section><h2>Latest model</h2><div id="model"></div></section>
    <section><h2>Latest report</h2><div id="report"></div></section>
  </div>
  <section>
    <h2>Run history</h2>
    <table id="history">
      <thead><tr><th>run</th><th>started (UTC)</th><th>status</th><th>duration</th><th>ran / complete / failed / blocked</th><th>roots</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script id="ui-config" type="application/json">${scriptJson(config)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
