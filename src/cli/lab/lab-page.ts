/**
 * The lab page: one self-contained HTML document (plain JS and SVG, no framework, nothing
 * fetched from elsewhere), kept as a string so it ships inside the package's compiled code.
 * It reads the server-sent event stream `/events` (one JSON frame at most every 200 ms) and
 * posts the controls to `/api/<action>` (src/cli/lab/lab-session.ts).
 *
 * @module
 */

const STYLE = `
body{font:13px/1.35 system-ui,sans-serif;margin:12px;background:#fafafa;color:#222}
h1{font-size:18px;margin:0 0 8px} h2{font-size:14px;margin:10px 0 4px}
.row{display:flex;gap:14px;flex-wrap:wrap} .box{background:#fff;border:1px solid #ddd;padding:8px;border-radius:4px}
.stats span{margin-right:12px} .stats b{font-variant-numeric:tabular-nums}
button,select{font:inherit;margin:2px} pre{margin:0;font-size:12px;white-space:pre-wrap;max-height:260px;overflow:auto}
table{border-collapse:collapse;font-size:12px} td,th{padding:1px 6px;text-align:left;border-bottom:1px solid #eee}
tr.hot td{background:#ffe9a8} .err{color:#b00020} #stall{color:#b00020}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;'})[c]);
const bits = (b) => (b & 1 ? 'r' : '') + (b & 2 ? 'w' : '') + (b & 4 ? 'e' : '') + (b & 8 ? 'h' : '') + (b & 16 ? 'x' : '') || '-';
const ms = (v) => v === null ? '∞' : v < 1 ? v.toFixed(3) : v.toFixed(1);
let backendsShown = '';
let its = [];
const WOKE = { io: 'io', timer: 'T', timeout: 'to', waker: 'wk', signal: 'sg', 'uv-poll': 'uv', 'node-timer': 'nt', immediate: 'im' };
function timeline(its) {
  const W = 18, H = 120, n = its.length;
  let s = '<svg id="timeline-svg" width="' + Math.max(300, n * W) + '" height="' + (H + 16) + '">';
  const y = (v) => Math.min(H, 14 * Math.log2(1 + v * 10));
  its.forEach((it, k) => {
    const run = Math.max(0, it.durationMs - it.blockedMs), hb = y(it.blockedMs), hr = Math.max(1, y(run)), x = k * W;
    s += '<g><title>#' + it.i + ' asked ' + ms(it.timeoutMs) + ' ms (' + it.reason + '), blocked ' + ms(it.blockedMs) + ' ms, ran ' + ms(run) + ' ms, woke by ' + (it.wokeBy.join('+') || 'nothing') + ', ' + it.events + ' events, ' + it.callbacks + ' callbacks</title>';
    s += '<rect x="' + x + '" y="' + (H - hb - hr) + '" width="' + (W - 2) + '" height="' + hb + '" fill="#7aa6d6"/>';
    s += '<rect x="' + x + '" y="' + (H - hr) + '" width="' + (W - 2) + '" height="' + hr + '" fill="#e8871e"/>';
    s += '<text x="' + x + '" y="' + (H + 12) + '" font-size="9">' + esc(it.wokeBy.map((w) => WOKE[w] || w).join('+') || '-') + '</text></g>';
  });
  return s + '</svg>';
}
function timersSvg(ts) {
  const W = 560, span = 2000;
  let s = '<svg width="' + W + '" height="' + (20 + ts.length * 14) + '"><line x1="0" y1="12" x2="' + W + '" y2="12" stroke="#999"/>';
  for (let t = 0; t <= span; t += 500) s += '<text x="' + (t / span) * (W - 40) + '" y="10" font-size="9">+' + t + 'ms</text>';
  ts.slice(0, 20).forEach((t, k) => {
    const x = Math.max(0, Math.min(1, t.dueInMs / span)) * (W - 40);
    s += '<circle cx="' + x + '" cy="' + (22 + k * 14) + '" r="4" fill="#6a4"/><text x="' + (x + 8) + '" y="' + (26 + k * 14) + '" font-size="10">' + esc(t.label) + (t.dueInMs < 0 ? ' overdue by ' + ms(-t.dueInMs) : ' in ' + ms(t.dueInMs)) + ' ms</text>';
  });
  return s + '</svg>';
}
function buffersSvg(bs) {
  const W = 300;
  let s = '<table><tr><th>connection</th><th>buffered / high water</th><th></th></tr>';
  for (const b of bs) {
    const full = Math.max(b.highWaterBytes * 2, b.bufferedBytes, 1), x = (v) => (v / full) * W;
    s += '<tr><td>' + esc(b.label) + (b.reading ? '' : ' (not reading)') + '</td><td><svg width="' + W + '" height="12"><rect width="' + W + '" height="12" fill="#eee"/><rect width="' + x(b.bufferedBytes) + '" height="12" fill="' + (b.writePaused ? '#d33' : '#59a') + '"/><line x1="' + x(b.lowWaterBytes) + '" x2="' + x(b.lowWaterBytes) + '" y1="0" y2="12" stroke="#080"/><line x1="' + x(b.highWaterBytes) + '" x2="' + x(b.highWaterBytes) + '" y1="0" y2="12" stroke="#000"/></svg></td><td>' + b.bufferedBytes + ' B' + (b.writePaused ? ' PAUSED' : '') + '</td></tr>';
  }
  return s + '</table>';
}
function detail(r) {
  if (!r) return 'no iteration yet';
  const lines = ['iteration ' + r.iteration, 'asked the kernel: wait ' + ms(r.timeoutMs) + ' ms (' + r.timeoutReason + ')',
    'kernel answered after ' + ms(r.blockedMs) + ' ms, woke by ' + (r.wokeBy.join('+') || 'nothing') + ': ' + (r.events.map((e) => e.fd + ':' + bits(e.ready) + ' ' + e.label).join(', ') || 'no events'),
    'callbacks (' + r.callbacks.length + '):'];
  for (const c of r.callbacks.slice(0, 30)) lines.push('  ' + c.kind + ' ' + c.name + (c.label ? ' — ' + c.label : '') + '  ' + ms(c.durationMs) + ' ms');
  if (r.timersFired) lines.push('timers fired: ' + r.timersFired);
  for (const c of r.interest) lines.push('interest fd ' + c.fd + ' → ' + (bits(c.interest) === '-' ? 'none' : bits(c.interest)) + ' ' + c.label);
  lines.push('system calls: ' + (r.syscalls.map((s) => s.kind + '×' + s.calls + (s.bytes ? ' ' + s.bytes + 'B' : '')).join(' ') || 'none'));
  return lines.join('\\n');
}
function show(f) {
  const st = f.stats;
  $('backend').textContent = st.backend; $('iterations').textContent = st.iterations;
  $('readers').textContent = st.readers; $('writers').textContent = st.writers;
  $('timersPending').textContent = st.timersPending; $('ioCallbacks').textContent = st.ioCallbacks;
  $('pollMs').textContent = st.pollMs.toFixed(0); $('exceptions').textContent = st.exceptions; $('state').textContent = f.paused ? 'paused' : 'running';
  $('added').textContent = f.added.idle + ' idle, ' + f.added.slowReaders + ' slow readers';
  if (backendsShown !== f.backends.join()) { backendsShown = f.backends.join(); $('backendSelect').innerHTML = f.backends.map((b) => '<option>' + b + '</option>').join(''); }
  // A fresh workload (backend switch) starts its count again: forget the old iterations.
  if (its.length > 0 && st.iterations < its[its.length - 1].i) its = [];
  const lastSeen = its.length > 0 ? its[its.length - 1].i : 0;
  its = its.concat(f.iterations.filter((it) => it.i > lastSeen)).slice(-60);
  $('timeline').innerHTML = timeline(its);
  $('detail').textContent = detail(f.last);
  const lastI = f.last ? f.last.iteration : -1;
  $('fdCount').textContent = f.descriptorCount;
  $('fds').innerHTML = '<tr><th>fd</th><th>interest</th><th>last ready</th><th>at iter</th><th>owner</th></tr>' + f.descriptors.map((d) =>
    '<tr class="' + (d.readyIteration === lastI ? 'hot' : '') + '"><td>' + d.fd + '</td><td>' + bits(d.interest) + '</td><td>' + bits(d.ready) + '</td><td>' + (d.readyIteration || '') + '</td><td>' + esc(d.label) + '</td></tr>').join('');
  $('timers').innerHTML = timersSvg(f.timers);
  $('buffers').innerHTML = buffersSvg(f.buffers);
  const s = f.stalls.at(-1);
  $('stall').textContent = s ? 'STALL ' + s.kind + ' ' + s.name + ' blocked the loop for ' + ms(s.durationMs) + ' ms (' + s.type + ', stack at ' + ms(s.blockedMs) + ' ms)\\n' + s.stack.map((fr) => '  at ' + (fr.functionName || '(anonymous)') + ' ' + fr.url + ':' + fr.line + ':' + fr.column).join('\\n') : 'no stall reported';
  $('notes').textContent = f.notes.join('\\n');
}
async function act(action, query) {
  const res = await fetch('/api/' + action + (query || ''), { method: 'POST' });
  const body = await res.json();
  $('error').textContent = res.ok ? '' : body.error;
  if (body.record) $('detail').textContent = detail(body.record);
}
for (const a of ['pause', 'resume', 'step', 'idle', 'slow', 'block']) $(a).onclick = () => act(a);
$('switch').onclick = () => act('backend', '?name=' + $('backendSelect').value);
const es = new EventSource('/events');
es.onmessage = (m) => { const f = JSON.parse(m.data); show(f); $('frames').textContent = Number($('frames').textContent) + 1; };
`;

/** The whole page. */
export const LAB_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nbio lab</title><style>${STYLE}</style></head>
<body>
<h1>nbio lab — the loop of an echo server with talking clients, live</h1>
<div class="box stats">
<span>backend <b id="backend">?</b></span><span>loop <b id="state">?</b></span>
<span>iterations <b id="iterations">0</b></span><span>readers <b id="readers">0</b></span>
<span>writers <b id="writers">0</b></span><span>timers pending <b id="timersPending">0</b></span>
<span>I/O callbacks <b id="ioCallbacks">0</b></span><span>blocked in kernel <b id="pollMs">0</b> ms</span>
<span>exceptions <b id="exceptions">0</b></span><span>added <b id="added">-</b></span><span>frames <b id="frames">0</b></span>
</div>
<div class="box">
<button id="pause">pause</button><button id="step">step</button><button id="resume">resume</button>
<select id="backendSelect"></select><button id="switch">switch backend</button>
<button id="idle">add 1,000 idle clients</button><button id="slow">add a slow reader</button>
<button id="block">run a blocking callback (300 ms)</button> <span id="error" class="err"></span>
</div>
<h2>Iterations (newest right): <span style="color:#7aa6d6">■ blocked in the kernel</span> <span style="color:#e8871e">■ running callbacks</span>, height log-scaled, below: what woke it (io, T timer, to timeout, wk waker, sg signal)</h2>
<div class="box" id="timeline"></div>
<div class="row">
<div class="box"><h2>Last iteration: what the kernel was asked, what it answered, which callbacks ran</h2><pre id="detail"></pre></div>
<div class="box"><h2>Watchdog</h2><pre id="stall">no stall reported</pre><pre id="notes" class="err"></pre></div>
</div>
<div class="row">
<div class="box"><h2>Descriptors (<span id="fdCount">0</span>; highlighted: ready in the last iteration)</h2><div style="max-height:300px;overflow:auto"><table id="fds"></table></div></div>
<div class="box"><h2>Timers (next 2 s)</h2><div id="timers"></div>
<h2>Write buffers against their water marks (green: low, black: high; red: writing paused)</h2><div id="buffers"></div></div>
</div>
<script>${SCRIPT}</script>
</body></html>
`;
