/**
 * The page of `vibann serve` (docs/web.md): HTML and CSS here, the script in client.ts (/app.js),
 * Vega-Lite through vega-embed served from the installed packages (/vendor/…). Relative URLs only;
 * nothing is fetched from outside 127.0.0.1. `data-testid`s are the stable hooks of the browser
 * tests.
 */
import { LCB_Z } from '../uq/lcb.ts';

export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vibann</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:1400px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.15em;border-bottom:2px solid #2a5caa;padding-bottom:.2em;margin-top:1.6em}
nav a{margin-right:1em}.sub{color:#555;margin-top:.2em}label{display:inline-block;margin:.3em 1em .3em 0;vertical-align:top}
textarea{width:30em;height:4.5em}input[type=text]{width:12em;padding:.2em}button{padding:.35em 1em;margin:.3em .3em 0 0}
table{border-collapse:collapse;margin-top:.6em;font-size:.88em}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#f2f4f8}td.l,th.l{text-align:left}.err{color:#a00;font-size:.9em}.ok{color:#070}.bad{color:#a00}
progress{width:24em}.note{color:#555;font-size:.85em}.cols{display:flex;gap:1.5em;flex-wrap:wrap}
.ptable{display:grid;grid-template-columns:repeat(18,2.1em);gap:2px;margin:.4em 0}
.ptable button{padding:0;margin:0;height:2em;font-size:.75em;border:1px solid #bbb;background:#fff;cursor:pointer}
.ptable button.ban{background:#f4b6b6}.ptable button.allow{background:#b9e3b9}.ptable button.bound{outline:2px solid #2a5caa}
.ptable button:disabled{background:#eee;color:#bbb;cursor:default}
fieldset{border:1px solid #ccd;margin:.5em 0}.field{display:inline-block;margin:.2em 1em .2em 0}
td.nw{white-space:nowrap}#dout,#cmpout>div{overflow-x:auto;max-width:100%}
</style></head><body>
<h1>vibann</h1>
<p class="sub">Vickers hardness of bulk metallic glasses with uncertainty (μ ± σ, LCB = μ − ${LCB_Z}σ, HV), and design of new hard glasses.</p>
<nav><a href="#predict">Predict</a><a href="#design">Design</a><a href="#runs">Runs</a></nav>

<h2 id="predict">Predict</h2>
<form id="pf">
<label>Compositions (commas, spaces or new lines)<br><textarea id="comps" data-testid="predict-input">B68Nb24Fe4W4, Zr41.2Ti13.8Cu12.5Ni10Be22.5</textarea>
<div id="comps-err" class="err" data-testid="predict-input-error"></div></label>
<label>or a CSV (composition column)<br><input type="file" id="pcsv" accept=".csv,text/csv"></label>
<label>Loads, N (list, or FROM:TO:STEPS)<br><input type="text" id="loads" data-testid="predict-loads" value="0.5">
<div id="loads-err" class="err"></div></label>
<label>Measured values (CSV: composition,load,HV) to overlay<br><input type="file" id="pmeas" data-testid="predict-measured" accept=".csv,text/csv"></label>
<br><button type="submit" data-testid="predict-submit">Predict</button>
<button type="button" id="pcsvdl" data-testid="predict-download-csv" disabled>Download CSV</button><button type="button" id="pjsondl" data-testid="predict-download-json" disabled>Download JSON</button>
</form>
<div id="perr" class="err"></div>
<div id="pout" data-testid="predict-results"></div>
<div id="pplot" data-testid="predict-plot"></div>
<div id="perrtable" data-testid="predict-errors"></div>

<h2 id="design">Design</h2>
<form id="df"><div id="dfields" class="note">loading the options…</div>
<fieldset><legend>Elements: click to cycle ban → allow → none; shift-click to set bounds</legend>
<div id="ptable" class="ptable"></div></fieldset>
<button type="submit" data-testid="design-submit">Start design</button>
<button type="button" id="dcancel" data-testid="design-cancel" disabled>Cancel</button></form>
<div id="derr" class="err"></div>
<div id="dprog" data-testid="design-progress"></div>
<div id="dout" data-testid="design-results"></div>

<h2 id="runs">Runs</h2>
<div id="runs-list" data-testid="runs-list"></div>
<div class="note">Compare two design runs: <select id="cmpa"></select> <select id="cmpb"></select> <button type="button" id="cmpgo">Compare</button></div>
<div id="cmpout" class="cols"></div>
<script src="vendor/vega.min.js"></script><script src="vendor/vega-lite.min.js"></script><script src="vendor/vega-embed.min.js"></script>
<script src="app.js"></script>
</body></html>`;
