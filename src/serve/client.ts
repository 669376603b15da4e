/**
 * The page's script, served as /app.js (plain browser JavaScript in a string, so the installed
 * package serves it from dist/ too; no backticks or template placeholders inside). Relative URLs
 * only. The design form is generated from the design request's JSON Schema (GET api/schema), so
 * every option of the design workflow appears here without changes to this file.
 */
export const CLIENT_JS = String.raw`'use strict';
(function () {
var $ = function (id) { return document.getElementById(id); };
var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); };
var f0 = function (x) { return x == null ? '' : Number(x).toFixed(0); };
var SCHEMA = null;
var last = null;
var measured = [];
async function api(path, body) {
  var o = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  var r = await fetch(path, o);
  var j = await r.json();
  if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
  return j;
}
function embed(el, spec) {
  spec.$schema = 'https://vega.github.io/schema/vega-lite/v6.json';
  return vegaEmbed(el, spec, { renderer: 'svg', actions: false });
}
/* ---------- predict ---------- */
function parseLoads(s) {
  s = s.trim();
  if (s === '') return [0.5];
  var m = /^([0-9.]+):([0-9.]+):(\d+)$/.exec(s);
  if (m) {
    var a = +m[1], b = +m[2], n = +m[3], out = [];
    if (!(a > 0 && b > a && n >= 2)) throw new Error('FROM:TO:STEPS needs 0 < FROM < TO and STEPS >= 2');
    for (var i = 0; i < n; i++) out.push(+(a * Math.pow(b / a, i / (n - 1))).toPrecision(4));
    return out;
  }
  return s.split(/[\s,;]+/).filter(Boolean).map(function (x) {
    if (!/^[0-9]*\.?[0-9]+$/.test(x) || !(+x > 0)) throw new Error('not a positive load in N: ' + x);
    return +x;
  });
}
function splitComps(s) { return s.split(/[\s,;]+/).map(function (x) { return x.trim(); }).filter(Boolean); }
function csvRows(text) {
  var lines = text.split(/\r?\n/).filter(function (l) { return l.trim() !== ''; });
  var head = lines.shift().split(',').map(function (h) { return h.trim().toLowerCase(); });
  return lines.map(function (l) { var c = l.split(','), o = {}; head.forEach(function (h, i) { o[h] = (c[i] || '').trim(); }); return o; });
}
$('pcsv').addEventListener('change', async function (e) {
  var f = e.target.files[0]; if (!f) return;
  var rows = csvRows(await f.text());
  $('comps').value = rows.map(function (r) { return r.composition || r.formula || ''; }).filter(Boolean).join('\n');
});
$('pmeas').addEventListener('change', async function (e) {
  var f = e.target.files[0]; if (!f) return;
  measured = csvRows(await f.text()).map(function (r) { return { composition: r.composition, load: +r.load, hv: +(r.hv || r.hardness) }; })
    .filter(function (r) { return r.composition && r.load > 0 && isFinite(r.hv); });
  if (last) showPredict(last);
});
function domainCell(d) { return d == null ? 'unknown' : (d.in_domain ? '<span class="ok">in</span>' : '<span class="bad">OUT: ' + esc(d.reasons.join(', ')) + '</span>'); }
function showPredict(rows) {
  var h = '<table><tr><th class="l">composition</th><th>load, N</th><th>μ ± σ, HV</th><th>LCB</th><th>90 % interval</th><th class="l">domain</th></tr>';
  rows.forEach(function (r) {
    h += '<tr><td class="l">' + esc(r.composition) + '</td><td>' + r.load + '</td><td>' + f0(r.mean) + ' ± ' + f0(r.std) + '</td><td>' + f0(r.lcb) + '</td><td>' +
      (r.lo90 != null ? f0(r.lo90) + ' – ' + f0(r.hi90) : '') + '</td><td class="l">' + domainCell(r.domain) + '</td></tr>';
  });
  $('pout').innerHTML = h + '</table>';
  var band = rows.map(function (r) { return { composition: r.composition, load: r.load, mean: r.mean, lo: r.lo90 != null ? r.lo90 : r.mean - 1.645 * r.std, hi: r.hi90 != null ? r.hi90 : r.mean + 1.645 * r.std }; });
  var layers = [
    { data: { values: band }, mark: { type: 'area', opacity: 0.2 }, encoding: { x: { field: 'load', type: 'quantitative', scale: { type: 'log' }, title: 'load, N' }, y: { field: 'lo', type: 'quantitative', title: 'HV' }, y2: { field: 'hi' }, color: { field: 'composition', type: 'nominal' } } },
    { data: { values: band }, mark: { type: 'line', point: true }, encoding: { x: { field: 'load', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'mean', type: 'quantitative' }, color: { field: 'composition', type: 'nominal' } } }
  ];
  if (measured.length) layers.push({ data: { values: measured }, mark: { type: 'point', shape: 'diamond', filled: true, size: 70, color: 'black' }, encoding: { x: { field: 'load', type: 'quantitative' }, y: { field: 'hv', type: 'quantitative' }, tooltip: [{ field: 'composition' }, { field: 'hv' }] } });
  embed($('pplot'), { width: 620, height: 300, title: 'μ with the 90 % band per composition' + (measured.length ? '; measured ◆' : ''), layer: layers });
  $('perrtable').innerHTML = '';
  if (measured.length) {
    var t = '<table><tr><th class="l">composition</th><th>load</th><th>measured HV</th><th>μ</th><th>error μ − HV</th><th>in 90 %?</th></tr>', n = 0, sum = 0;
    measured.forEach(function (m) {
      var p = rows.filter(function (r) { return r.composition === m.composition && r.load === m.load; })[0];
      if (!p) return;
      n++; sum += Math.abs(p.mean - m.hv);
      t += '<tr><td class="l">' + esc(m.composition) + '</td><td>' + m.load + '</td><td>' + f0(m.hv) + '</td><td>' + f0(p.mean) + '</td><td>' + f0(p.mean - m.hv) + '</td><td>' + (m.hv >= p.lo90 && m.hv <= p.hi90 ? 'yes' : 'no') + '</td></tr>';
    });
    $('perrtable').innerHTML = n ? t + '</table><p>MAE ' + f0(sum / n) + ' HV over ' + n + ' measurements</p>' : '<p class="note">no measured row matches a predicted composition and load (same formula text and load)</p>';
  }
}
function download(name, type, text) {
  var a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: type })); a.download = name; a.click();
}
$('pcsvdl').onclick = function () {
  var cols = ['composition', 'load', 'mean', 'std', 'lcb', 'lo90', 'hi90', 'in_domain'];
  download('predictions.csv', 'text/csv', cols.join(',') + '\n' + last.map(function (r) {
    return [r.composition, r.load, r.mean, r.std, r.lcb, r.lo90, r.hi90, r.domain ? r.domain.in_domain : ''].join(',');
  }).join('\n') + '\n');
};
$('pjsondl').onclick = function () { download('predictions.json', 'application/json', JSON.stringify(last, null, 1)); };
$('pf').addEventListener('submit', async function (e) {
  e.preventDefault();
  ['perr', 'comps-err', 'loads-err'].forEach(function (id) { $(id).textContent = ''; });
  var loads;
  try { loads = parseLoads($('loads').value); } catch (x) { $('loads-err').textContent = x.message; return; }
  var comps = splitComps($('comps').value);
  if (!comps.length) { $('comps-err').textContent = 'type at least one composition, e.g. B68Nb24Fe4W4'; return; }
  $('pout').textContent = 'predicting…';
  try {
    last = await api('api/predict', { compositions: comps, loads: loads });
    $('pcsvdl').disabled = false; $('pjsondl').disabled = false;
    showPredict(last);
  } catch (x) {
    $('pout').textContent = '';
    var where = /formula|element|composition/i.test(x.message) ? 'comps-err' : /load/i.test(x.message) ? 'loads-err' : 'perr';
    $(where).textContent = x.message;
  }
});
/* ---------- design ---------- */
var PT = ['H,,,,,,,,,,,,,,,,,He', 'Li,Be,,,,,,,,,,,B,C,N,O,F,Ne', 'Na,Mg,,,,,,,,,,,Al,Si,P,S,Cl,Ar',
  'K,Ca,Sc,Ti,V,Cr,Mn,Fe,Co,Ni,Cu,Zn,Ga,Ge,As,Se,Br,Kr', 'Rb,Sr,Y,Zr,Nb,Mo,Tc,Ru,Rh,Pd,Ag,Cd,In,Sn,Sb,Te,I,Xe',
  'Cs,Ba,La,Hf,Ta,W,Re,Os,Ir,Pt,Au,Hg,Tl,Pb,Bi,Po,At,Rn', ',,,,,,,,,,,,,,,,,', ',,Ce,Pr,Nd,Pm,Sm,Eu,Gd,Tb,Dy,Ho,Er,Tm,Yb,Lu,,'];
var elState = {}, bounds = {};
function drawTable(elements) {
  var known = {}; elements.forEach(function (e) { known[e] = 1; });
  var h = '';
  PT.forEach(function (row) { row.split(',').forEach(function (s) {
    if (!s) { h += '<span></span>'; return; }
    h += '<button type="button" data-el="' + s + '" ' + (known[s] ? '' : 'disabled') + ' title="' + s + '">' + s + '</button>';
  }); });
  $('ptable').innerHTML = h;
  $('ptable').querySelectorAll('button[data-el]').forEach(function (b) {
    b.addEventListener('click', function (ev) {
      var el = b.getAttribute('data-el');
      if (ev.shiftKey) {
        var v = prompt('at.% bounds of ' + el + ' as MIN:MAX (empty to clear)', bounds[el] || '');
        if (v === null) return;
        if (v.trim() === '') delete bounds[el]; else bounds[el] = v.trim();
      } else elState[el] = elState[el] === 'ban' ? 'allow' : elState[el] === 'allow' ? undefined : 'ban';
      syncElements();
    });
  });
}
function syncElements() {
  var ban = [], allow = [];
  Object.keys(elState).forEach(function (e) { if (elState[e] === 'ban') ban.push(e); if (elState[e] === 'allow') allow.push(e); });
  if ($('f-ban')) $('f-ban').value = ban.join(',');
  if ($('f-allow')) $('f-allow').value = allow.join(',');
  if ($('f-bounds')) $('f-bounds').value = Object.keys(bounds).map(function (e) { return e + ':' + bounds[e]; }).join(',');
  $('ptable').querySelectorAll('button[data-el]').forEach(function (b) {
    var el = b.getAttribute('data-el');
    b.className = (elState[el] || '') + (bounds[el] ? ' bound' : '');
  });
}
function fieldsFromElements() {
  elState = {};
  var split = function (id) { return $(id) ? $(id).value.split(/[\s,]+/).filter(Boolean) : []; };
  split('f-ban').forEach(function (e) { elState[e] = 'ban'; });
  split('f-allow').forEach(function (e) { elState[e] = 'allow'; });
  bounds = {};
  split('f-bounds').forEach(function (b) { var i = b.indexOf(':'); if (i > 0) bounds[b.slice(0, i)] = b.slice(i + 1); });
  syncElements();
}
function buildForm(schema) {
  var props = schema.properties, h = '';
  Object.keys(props).forEach(function (k) {
    var p = props[k], id = 'f-' + k, title = esc(p.title || k), d = p['default'];
    var help = esc(p.description || '');
    if (p.type === 'boolean') h += '<label class="field" title="' + help + '"><input type="checkbox" id="' + id + '" data-key="' + k + '" data-kind="boolean"' + (d ? ' checked' : '') + '> ' + title + '</label>';
    else {
      var kind = p.type === 'array' ? 'list' : (p.type === 'number' || p.type === 'integer') ? 'number' : 'text';
      var val = d == null ? '' : Array.isArray(d) ? d.join(',') : typeof d === 'object' ? '' : d;
      h += '<label class="field" title="' + help + '">' + title + '<br><input type="text" id="' + id + '" data-key="' + k + '" data-kind="' + kind + '" value="' + esc(val) + '" placeholder="' + help + '"><div class="err" id="' + id + '-err"></div></label>';
    }
  });
  $('dfields').innerHTML = h;
  ['f-ban', 'f-allow', 'f-bounds'].forEach(function (id) { if ($(id)) $(id).addEventListener('change', fieldsFromElements); });
}
function designBody() {
  var body = {}, props = SCHEMA.design.properties;
  document.querySelectorAll('#dfields [data-key]').forEach(function (inp) {
    var k = inp.getAttribute('data-key'), kind = inp.getAttribute('data-kind'), p = props[k], d = p['default'];
    if (kind === 'boolean') { if (inp.checked !== !!d) body[k] = inp.checked; return; }
    var v = inp.value.trim();
    var dv = d == null ? '' : Array.isArray(d) ? d.join(',') : typeof d === 'object' ? '' : String(d);
    if (v === dv) return;
    if (kind === 'number') body[k] = v === '' ? undefined : Number(v);
    else if (kind === 'list') body[k] = v.split(/[\s,]+/).filter(Boolean);
    else if (k === 'target' && v.indexOf(':') < 0 && v !== '') body[k] = v;
    else if (v !== '') body[k] = v;
  });
  return body;
}
var jobId = null;
function gateCell(g, name) {
  if (!g) return '–';
  return '<span data-gate="' + name + '" class="' + (g.pass ? 'ok' : 'bad') + '">' + (g.pass ? '✓ ' : '✗ ') + '</span>' + (g.value != null ? Number(g.value).toPrecision(4) : '') + (g.threshold != null ? ' / ' + Number(g.threshold).toPrecision(4) : '');
}
/* the glass gate: how many of the five descriptors lie outside the known glasses' ranges (and which) */
function glassCell(g) {
  if (!g) return '–';
  return '<span data-gate="glass" class="' + (g.pass ? 'ok' : 'bad') + '">' + (g.pass ? '✓ ' : '✗ ') + '</span>' + (g.outside && g.outside.length ? 'out: ' + esc(g.outside.join(', ')) : '5/5 in');
}
function costCell(c, max) {
  if (!c || c.usd_per_kg == null) return c && c.unknown && c.unknown.length ? 'unknown (' + esc(c.unknown.join(', ')) + ')' : '–';
  return f0(c.usd_per_kg) + (c.lower_bound ? '+' : '') + (max != null ? ' / ' + f0(max) : '');
}
function designTable(doc, load) {
  var t = doc.thresholds || {};
  var h = '<table data-testid="design-candidates"><tr><th>#</th><th class="l">alloy</th><th title="MC-dropout + ensemble σ, used by the gates">μ ± σ<sub>MC</sub></th><th>LCB</th><th class="nw" title="the model\'s predictive distribution, which grows off the data: what the prediction tab gives for this alloy at this load">90 % interval</th><th class="l">support (log p / thr)</th><th class="l">novelty (d / thr)</th><th class="l">uncertainty (σ / cap)</th><th class="l">performance (LCB / target)</th><th class="l" title="δ, ΔH_mix, ΔS_mix, Δχ, VEC inside the known glasses\' ranges">glass</th><th>USD/kg' + (t.maxCost != null ? ' / max' : '') + '</th><th class="l">nearest known</th><th class="l">domain</th></tr>';
  doc.candidates.forEach(function (c, i) {
    var p = c.predictions.filter(function (q) { return q.load === load; })[0] || c.predictions[0];
    var g = c.gates;
    h += '<tr><td>' + (i + 1) + '</td><td class="l">' + esc(c.formula) + (c.accepted ? '' : ' <span class="bad">rejected</span>') + '</td><td class="nw">' + f0(p.mean) + ' ± ' + f0(p.std) + '</td><td>' + f0(p.lcb) + '</td><td class="nw">' + (c.predictive ? f0(c.predictive.lo90) + ' – ' + f0(c.predictive.hi90) : '–') + '</td><td class="l nw">' +
      gateCell(g.support, 'support') + '</td><td class="l nw">' + gateCell(g.novelty, 'novelty') + '</td><td class="l nw">' + gateCell(g.uncertainty, 'uncertainty') + '</td><td class="l nw">' + gateCell(g.performance, 'performance') +
      '</td><td class="l nw">' + glassCell(g.glass) + '</td><td class="nw">' + costCell(c.cost, t.maxCost) +
      '</td><td class="l">' + esc(c.nearest.formula) + ' (' + Number(c.nearest.distance).toFixed(3) + ')</td><td class="l">' + domainCell(c.domain) + '</td></tr>';
  });
  return h + '</table>';
}
/* how each threshold was set (design.json thresholds.rules) */
function rulesList(doc) {
  var r = (doc.thresholds && doc.thresholds.rules) || {};
  var keys = Object.keys(r);
  return keys.length ? '<ul class="note" data-testid="design-rules">' + keys.map(function (k) { return '<li><b>' + esc(k) + '</b>: ' + esc(r[k]) + '</li>'; }).join('') + '</ul>' : '';
}
function showDesign(job) {
  var doc = job.result, load = (job.options && job.options.load) || 0.5, runUrl = 'runs/' + encodeURIComponent(job.runDir);
  var s = doc.summary;
  var h = '<p>screened ' + s.screened + ' alloys; <span data-testid="design-accepted">' + s.accepted + '</span> passed all the gates. LCB target ' + f0(doc.thresholds.lcbTarget) + ' HV. <a data-testid="design-report" href="' + runUrl + '/report" target="_blank">report of run ' + esc(job.runDir) + '</a></p>';
  h += designTable(doc, load) + rulesList(doc) + '<div class="cols"><div id="dcurves" data-testid="design-curves"></div><div><img data-testid="design-latent" alt="latent map" src="' + runUrl + '/figure/gmm_density.png" style="max-width:520px" ></div></div>';
  // the run's Pareto figure (LCB at the design load vs raw-material cost, Pareto set marked)
  if (doc.candidates.some(function (c) { return c.cost; }))
    h += '<div><img data-testid="design-pareto" alt="Pareto set: LCB vs raw-material cost" src="' + runUrl + '/figure/pareto.png" style="max-width:520px" ></div>';
  $('dout').innerHTML = h;
  var vals = [];
  doc.candidates.forEach(function (c) { c.predictions.forEach(function (p) { vals.push({ alloy: c.formula, load: p.load, mean: p.mean, lo: p.mean - p.std, hi: p.mean + p.std }); }); });
  if (vals.length) embed($('dcurves'), { width: 420, height: 260, title: 'candidates across loads (μ ± σ)', data: { values: vals }, layer: [
    { mark: { type: 'area', opacity: 0.2 }, encoding: { x: { field: 'load', type: 'quantitative', scale: { type: 'log' }, title: 'load, N' }, y: { field: 'lo', type: 'quantitative', title: 'HV' }, y2: { field: 'hi' }, color: { field: 'alloy' } } },
    { mark: 'line', encoding: { x: { field: 'load', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' }, color: { field: 'alloy' } } }] });
}
/* Progress: each answer is held by the server up to 500 ms (?wait), and the next poll is sent as
   soon as one arrives — no timers, which browsers throttle in background tabs (to once a minute
   after five minutes): the polls also keep the design's lease (closing the page cancels it). */
async function poll(id) {
  var wait = 0;
  while (jobId === id) {
    var job;
    try { job = await api('api/design/' + id + '?wait=' + wait); } catch (x) { $('derr').textContent = x.message; return; }
    wait = 500;
    if (jobId !== id) return;
    var pct = job.percent || 0;
    $('dprog').innerHTML = '<progress max="100" value="' + pct + '"></progress> <span data-testid="design-percent">' + pct + ' %</span> — <span data-testid="design-stage">' + esc(job.stage) + '</span>' + (job.steps ? ' (<span data-testid="design-step">' + job.step + '/' + job.steps + '</span>)' : '') + ' <span data-testid="design-state">' + job.state + '</span>' +
      (job.lease && job.state === 'running' ? ' <span class="note">(stops ' + job.lease + ' s after this page is closed)</span>' : '');
    if (job.state === 'running') continue;
    $('dcancel').disabled = true; jobId = null;
    if (job.state === 'done') { showDesign(job); loadRuns(); }
    else $('derr').textContent = job.error || job.state;
  }
}
$('df').addEventListener('submit', async function (e) {
  e.preventDefault();
  $('derr').textContent = ''; $('dout').innerHTML = '';
  document.querySelectorAll('#dfields .err').forEach(function (x) { x.textContent = ''; });
  try {
    var r = await api('api/design?lease=1', designBody());
    jobId = r.id; $('dcancel').disabled = false;
    $('dprog').textContent = 'starting…';
    poll(r.id);
  } catch (x) {
    var m = /'([A-Za-z]+)[.'\d]*/.exec(x.message);
    if (m && $('f-' + m[1] + '-err')) $('f-' + m[1] + '-err').textContent = x.message; else $('derr').textContent = x.message;
  }
});
$('dcancel').addEventListener('click', function () { if (jobId) api('api/design/' + jobId + '/cancel', {}).catch(function (x) { $('derr').textContent = x.message; }); });
/* ---------- runs ---------- */
async function loadRuns() {
  var runs = await api('api/runs');
  $('runs-list').innerHTML = runs.length ? '<table><tr><th class="l">run</th><th class="l">command</th><th class="l">modified</th></tr>' + runs.map(function (r) {
    return '<tr><td class="l"><a target="_blank" href="runs/' + encodeURIComponent(r.name) + '/report">' + esc(r.name) + '</a>' + (r.complete !== false ? '' : ' <span class="note" title="the run stopped before its last file (cancelled or failed)">incomplete</span>') + '</td><td class="l">' + esc(r.command) + '</td><td class="l">' + esc(r.modified) + '</td></tr>';
  }).join('') + '</table>' : '<p class="note">no run directories yet</p>';
  var opts = runs.filter(function (r) { return r.design; }).map(function (r) { return '<option>' + esc(r.name) + '</option>'; }).join('');
  $('cmpa').innerHTML = opts; $('cmpb').innerHTML = opts;
}
$('cmpgo').addEventListener('click', async function () {
  var out = '';
  for (var name of [$('cmpa').value, $('cmpb').value]) {
    if (!name) continue;
    try {
      var doc = await api('api/runs/' + encodeURIComponent(name) + '/design');
      var o = doc.manifest.options || {};
      out += '<div><h3>' + esc(name) + '</h3><p class="note">load ' + esc(o.load) + ' N, seed ' + esc((doc.manifest.seeds || {}).seed) + '; accepted ' + doc.summary.accepted + '</p>' + designTable(doc, o.load) + '</div>';
    } catch (x) { out += '<div class="err">' + esc(name) + ': ' + esc(x.message) + '</div>'; }
  }
  $('cmpout').innerHTML = out;
});
(async function init() {
  try {
    SCHEMA = await api('api/schema');
    buildForm(SCHEMA.design); drawTable(SCHEMA.elements); fieldsFromElements();
  } catch (x) { $('dfields').textContent = x.message; }
  loadRuns().catch(function (x) { $('runs-list').textContent = x.message; });
})();
})();
`;
