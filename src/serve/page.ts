/** The single page of `vibann serve`: inline CSS and script, no external resources. */
import { LCB_Z } from '../uq/lcb.ts';

export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vibann</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.15em;border-bottom:2px solid #2a5caa;padding-bottom:.2em;margin-top:2em}
.sub{color:#555;margin-top:.2em}label{display:inline-block;margin:.3em 1em .3em 0}
input[type=text]{width:22em;padding:.3em}input.short{width:5em}button{padding:.35em 1em;margin-top:.4em}
table{border-collapse:collapse;margin-top:.8em;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f2f4f8}td.l,th.l{text-align:left}.err{color:#a00;margin-top:.5em}.ok{color:#070}.bad{color:#a00}
progress{width:22em}.note{color:#555;font-size:.9em}
</style></head><body>
<h1>vibann</h1>
<p class="sub">Vickers hardness of bulk metallic glasses with uncertainty (μ ± σ, LCB = μ − ${LCB_Z}σ, HV), and design of new hard glasses.</p>

<h2>Predict</h2>
<form id="pf">
<label>Compositions <input type="text" id="comps" value="B68Nb24Fe4W4, Zr41.2Ti13.8Cu12.5Ni10Be22.5"></label>
<label>Loads (N) <input type="text" id="loads" class="short" value="0.5, 1, 2"></label>
<button type="submit">Predict</button></form>
<div id="perr" class="err"></div><div id="pout"></div>

<h2>Design</h2>
<form id="df">
<label>Load (N) <input type="text" id="dload" class="short" value="0.5"></label>
<label>Banned elements <input type="text" id="dban" class="short" placeholder="e.g. B"></label>
<label>Max elements <input type="text" id="dmax" class="short" value="7"></label>
<label>Target LCB (HV) <input type="text" id="dtarget" class="short" placeholder="LO:HI"></label>
<label>Candidates <input type="text" id="dn" class="short" value="5"></label>
<label>Seed <input type="text" id="dseed" class="short" value="1"></label>
<label><input type="checkbox" id="dquick"> quick</label>
<label><input type="checkbox" id="drefine" checked> refinement</label>
<button type="submit">Run design</button> <button type="button" id="dcancel" disabled>Cancel</button></form>
<p class="note">The same design as <code>vibann design</code> with these options (a full design takes a minute or two); its candidates pass four gates (S support, N novelty, U uncertainty, P performance). The run directory appears under Reports.</p>
<div id="derr" class="err"></div><div id="dstatus"></div><div id="dout"></div>

<h2>Reports</h2>
<div id="runs">loading…</div>

<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const j = await r.json();
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}
$('pf').onsubmit = async (e) => {
  e.preventDefault(); $('perr').textContent = ''; $('pout').innerHTML = 'predicting…';
  try {
    const rows = await api('POST', '/api/predict', { compositions: list($('comps').value), loads: list($('loads').value).map(Number) });
    $('pout').innerHTML = '<table><tr><th class="l">composition</th><th>load (N)</th><th>HV μ</th><th>± σ</th><th>LCB</th></tr>' +
      rows.map((r) => '<tr><td class="l">' + esc(r.composition) + '</td><td>' + r.load + '</td><td>' + r.mean.toFixed(0) + '</td><td>' + r.std.toFixed(0) + '</td><td>' + r.lcb.toFixed(0) + '</td></tr>').join('') + '</table>';
  } catch (err) { $('pout').innerHTML = ''; $('perr').textContent = err.message; }
};
$('df').onsubmit = async (e) => {
  e.preventDefault(); $('derr').textContent = ''; $('dout').innerHTML = '';
  try {
    const body = { load: Number($('dload').value), ban: list($('dban').value), maxElements: Number($('dmax').value),
      n: Number($('dn').value), seed: Number($('dseed').value), quick: $('dquick').checked, refine: $('drefine').checked };
    if ($('dtarget').value.trim()) body.target = $('dtarget').value.trim();
    const { id } = await api('POST', '/api/design', body);
    $('dcancel').disabled = false;
    $('dcancel').onclick = () => api('POST', '/api/design/' + id + '/cancel').catch(() => {});
    const poll = async () => {
      const j = await api('GET', '/api/design/' + id);
      $('dstatus').innerHTML = 'job ' + id + ': ' + esc(j.stage) + (j.steps ? ' <progress max="' + j.steps + '" value="' + j.step + '"></progress>' : '');
      if (j.state === 'running') return setTimeout(poll, 1000);
      $('dcancel').disabled = true;
      if (j.state !== 'done') { $('derr').textContent = j.error; return; }
      const r = j.result, g = (x) => x.pass ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>';
      $('dstatus').innerHTML = 'screened ' + r.summary.screened + ' alloys; ' + r.summary.accepted + ' passed all four gates; run <a href="/runs/' + encodeURIComponent(j.runDir) + '/report">' + esc(j.runDir) + '</a>';
      $('dout').innerHTML = '<table><tr><th>#</th><th class="l">alloy (at.%)</th><th>μ ± σ</th><th>LCB</th><th>S N U P</th><th class="l">nearest known alloy</th></tr>' +
        r.candidates.map((c, i) => { const p = c.predictions.find((q) => q.load === body.load) || c.predictions[0]; return '<tr><td>' + (i + 1) + '</td><td class="l">' + esc(c.formula) + '</td><td>' + p.mean.toFixed(0) + ' ± ' + p.std.toFixed(0) + '</td><td>' + p.lcb.toFixed(0) + '</td><td>' + g(c.gates.support) + ' ' + g(c.gates.novelty) + ' ' + g(c.gates.uncertainty) + ' ' + g(c.gates.performance) + '</td><td class="l">' + esc(c.nearest.formula) + ' (' + c.nearest.distance.toFixed(3) + ')</td></tr>'; }).join('') + '</table>';
    };
    poll();
  } catch (err) { $('derr').textContent = err.message; }
};
api('GET', '/api/runs').then((runs) => {
  $('runs').innerHTML = runs.length === 0 ? 'no run directories yet' :
    '<ul>' + runs.map((r) => '<li><a href="/runs/' + encodeURIComponent(r.name) + '/report">' + esc(r.name) + '</a> <span class="note">' + esc(r.modified) + '</span></li>').join('') + '</ul>';
}).catch((err) => { $('runs').textContent = err.message; });
</script>
</body></html>
`;
