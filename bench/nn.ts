/**
 * Speed of the VIBANN network side by side with the PyTorch peer (`../shared/bench/peer_torch.py`,
 * whose README defines the figures), in one run:
 *   (a) one training step, batch 16 (forward in training mode, §4 loss, backward, Adam), every
 *       step of 10 epochs over train_fit timed on its own
 *   (b) one epoch over train_fit (430 rows, 27 steps) + β update + weighted validation MSE on
 *       cv_folds[0] (86 rows), 10 repeats
 *   (c) MC prediction, 100 passes × 673 rows, including mean and std (c′: 5 networks with
 *       law-of-total-variance pooling)
 *   (d) one gradient step w.r.t. 64 latents through decoder + hardness head (eval mode):
 *       J = Σ head(z) + 0.1 Σ x̂ ln x̂; forward + ∂J/∂z + z += 0.01·∂J/∂z; mean of 100 steps —
 *       by the JS/wasm kernels of src/nn/kernel.ts that the design refinement runs (its decoder
 *       kernel is this one; its head is the same block code), and (d′) by tfjs ops as before
 *   (e) no peer: the network part of one refinement step of the default architecture (10
 *       latents → decoder → 5 networks × 16 MC passes → ∂/∂z), kernels vs (e′) tfjs ops
 * For (a) and (b) our 5-network figure is the stacked ensemble (5 networks in one computation);
 * the peer trains networks one after another, so its 5-network figure is 5 × its 1-network one.
 *
 *   npx tsx bench/nn.ts [--repeats 10] [--no-peer] [--cpu] [--json out.json] [--only b,c,d]
 *
 * (--only: b = (a) and (b), c = (c) and (c′), d = (d), (d′) and (e); the peer runs all of its figures.)
 *
 * Timings are wall times on a shared machine: compare only figures from the same run; the last
 * column (minimum over the repeats, ours / peer) moves much less than the medians.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setDescriptorParams } from '../src/model/descriptors.ts';
import { initBackend } from '../src/nn/backend.ts';
import { latentKernel, mcKernel } from '../src/nn/kernel.ts';
import { decodeLog, forward, hardnessFromLatent, type Net } from '../src/nn/model.ts';
import { resolveVibannOptions } from '../src/nn/options.ts';
import { disposeNoise, mcNoise } from '../src/nn/sampling.ts';
import * as tf from '../src/nn/tf.ts';
import { trainEnsembleParallel } from '../src/train/parallel.ts';
import { preset } from '../src/train/presets.ts';
import { initEnsemble, type MemberPlan, trainEnsemble } from '../src/train/trainer.ts';
import { predictMC } from '../src/uq/predict.ts';
import { defaultDataPaths, loadReferenceData } from './nn-data.ts';

const argv = process.argv;
const arg = (n: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const REPEATS = Number(arg('repeats') ?? 10);
/** Figure groups to measure (--only b,d: (a)+(b) and (d)+(e)); default all. */
const ONLY = new Set((arg('only') ?? 'b,c,d').split(','));
/** (b) on 2 threads: main-thread wall time per epoch between the merged epoch events 2 … last. */
let wallPerEpoch: number | null = null;

interface Fig {
  key: string;
  figure: string;
  median: number;
  min: number;
  unit: string;
  n: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fig = (key: string, figure: string, v: number[], unit: string): Fig => ({
  key,
  figure,
  median: median(v),
  min: Math.min(...v),
  unit,
  n: v.length,
});

async function ours(backendName: 'wasm' | 'cpu', repeats: number): Promise<Fig[]> {
  await initBackend(backendName);
  const d = loadReferenceData();
  const p = preset('paper');
  const o = resolveVibannOptions({ nElements: d.arrays.nElements, ...p.network });
  const figs: Fig[] = [];
  // (a), (b): train on all of train_fit, validate on cv_folds[0]; warm-up 2 epochs. One network;
  // 5 networks stacked in this thread (trainEnsemble); 5 networks on 2 threads, stacks of 3 and 2
  // (trainEnsembleParallel, what `threads: 2` gives) — its epoch is the slower stack's epoch.
  const runs: { M: number; threads: number }[] = [
    { M: 1, threads: 1 },
    { M: 5, threads: 1 },
    { M: 5, threads: 2 },
  ];
  for (const { M, threads } of ONLY.has('b') ? runs : []) {
    const seeds = Array.from({ length: M }, (_, k) => 1000 + k);
    const plans: MemberPlan[] = seeds.map((seed) => ({
      train: d.split.trainFit,
      val: d.split.folds[0],
      seed,
    }));
    const steps: number[] = [];
    const epochs: number[] = [];
    let ep = 0;
    let tFirst = 0;
    let tLast = 0;
    const train = threads > 1 ? trainEnsembleParallel : trainEnsemble;
    await train(initEnsemble(o, seeds), d.arrays, plans, {
      ...p.training,
      maxEpochs: 2 + repeats,
      patience: 10000,
      threads,
      onStep: (ms) => {
        if (ep >= 2) steps.push(ms);
      },
      onEpoch: (e) => {
        ep = e.epoch;
        if (e.epoch === 2) tFirst = performance.now();
        tLast = performance.now();
        if (e.epoch > 2)
          epochs.push(Math.max(...e.members.map((m) => m.record?.wallMs ?? 0)) / 1000);
      },
    });
    if (threads > 1) wallPerEpoch = (tLast - tFirst) / 1000 / repeats;
    const tag =
      M === 1
        ? '1 network'
        : threads > 1
          ? `${M} networks on ${threads} threads (stacks of 3 + 2)`
          : `${M} networks stacked in one thread`;
    const key = M === 1 ? '' : threads > 1 ? '5' : '5s';
    figs.push(
      fig(
        `a${key}_train_step_ms`,
        `(a${threads > 1 ? '″' : ''}) training step, batch 16, ${tag}`,
        steps,
        'ms',
      ),
    );
    figs.push(
      fig(
        `b${key}_epoch_s`,
        `(b${M > 1 && threads === 1 ? '′' : ''}) epoch over train_fit (430 rows) + validation, ${tag}`,
        epochs,
        's',
      ),
    );
  }
  // (c): 100 passes × all 673 rows
  const all = Array.from({ length: d.n }, (_, i) => i);
  const model5 = initEnsemble(
    o,
    [0, 1, 2, 3, 4].map((k) => 2000 + k),
  );
  const x = d.arrays.x;
  const load = d.arrays.load;
  for (const M of ONLY.has('c') ? [1, 5] : []) {
    const m = M === 1 ? model5.member(0) : model5;
    predictMC(m, x, load, { passes: 100, seed: 1, scale: d.hvScaler }); // warm-up
    const v: number[] = [];
    const reps = Math.max(3, Math.floor(repeats / (M === 1 ? 2 : 4)));
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      predictMC(m, x, load, { passes: 100, seed: r, scale: d.hvScaler });
      v.push(performance.now() - t0);
    }
    figs.push(
      fig(
        M === 1 ? 'c_mc_ms' : 'c5_mc_ensemble_ms',
        M === 1
          ? `(c) MC 100 passes × ${all.length} rows, 1 network`
          : `(c') the same, ${M} networks incl. pooling`,
        v,
        'ms',
      ),
    );
  }
  if (!ONLY.has('d')) return figs;
  // (d): latent gradient steps, through the kernels the design's refinement uses
  // (nn/kernel.ts: decoder and head forward + backward w.r.t. z); (d′) the same through tfjs ops
  const one = model5.member(0);
  const L = 64;
  const dim = o.latentDim;
  const E = o.nElements;
  const kern = latentKernel(model5, 0, L);
  const zk = Float64Array.from(tf.randomNormal([L * dim], 0, 1, 'float32', 1).dataSync());
  const dp = new Float64Array(L * E);
  const ones = new Float64Array(L).fill(1);
  const kStep = () => {
    const { p, logp } = kern.decode(zk);
    kern.head(zk, null);
    // J = Σ head(z) + 0.1 Σ x̂ ln x̂: ∂J/∂x̂ = 0.1 (ln x̂ + 1)
    for (let i = 0; i < L * E; i++) dp[i] = 0.1 * (logp[i] + 1);
    void p;
    const gd = kern.decodeBackward(dp);
    const gh = kern.headBackward(ones);
    for (let i = 0; i < L * dim; i++) zk[i] += 0.01 * (gd[i] + gh[i]);
  };
  figs.push(
    fig(
      'd_inverse_grad_ms',
      `(d) gradient step w.r.t. ${L} latents, decoder + head (JS/wasm kernels, as the refinement)`,
      timeSteps(kStep, repeats, () => undefined),
      'ms',
    ),
  );
  const params = one.tensors();
  const net: Net = { options: one.options, params };
  let z = tf.randomNormal([1, L, dim], 0, 1, 'float32', 1);
  const J = (zz: tf.Tensor) => {
    const lx = decodeLog(net, zz);
    return tf.add(
      tf.sum(hardnessFromLatent(net, zz, null)),
      tf.mul(tf.scalar(0.1), tf.sum(tf.mul(tf.exp(lx), lx))),
    );
  };
  const grad = tf.grad(J);
  const step = () => {
    const next = tf.tidy(() => tf.add(z, tf.mul(grad(z), tf.scalar(0.01))));
    z.dispose();
    z = next;
  };
  figs.push(
    fig(
      'd_tfjs_inverse_grad_ms',
      '(d′) the same step through tfjs ops (the reference path)',
      timeSteps(step, repeats, () => z.dataSync()),
      'ms',
    ),
  );
  z.dispose();
  tf.dispose(Object.values(params));
  figs.push(...refinementFigures(d, repeats));
  return figs;
}

/** Per-step wall time (ms): 20 warm-up steps, then `repeats` × the mean of 100 steps. */
function timeSteps(step: () => void, repeats: number, sync: () => void): number[] {
  for (let i = 0; i < 20; i++) step();
  sync();
  const v: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) step();
    sync();
    v.push((performance.now() - t0) / 100);
  }
  return v;
}

/**
 * (e) The network part of one design-refinement step (src/design/refine.ts), no peer: 10 latents
 * of the default architecture (d = 64, Meyer head, descriptor branch, dropout 0.1) → decoder →
 * x̂ → 5 networks × 16 MC passes with fixed masks → ∂(Σ w·ŷ)/∂z, by the kernels and by tfjs ops.
 */
function refinementFigures(d: ReturnType<typeof loadReferenceData>, repeats: number): Fig[] {
  const B = 10;
  const S = 16;
  const M = 5;
  const p = preset('default');
  const o = resolveVibannOptions({
    nElements: d.arrays.nElements,
    ...p.network,
    hvZero: -d.hvScaler.mean / d.hvScaler.std,
  });
  const vm = initEnsemble(
    o,
    Array.from({ length: M }, (_, k) => 3000 + k),
  );
  const fit = d.split.trainFit;
  const E = o.nElements;
  const fitX = new Float32Array(fit.length * E);
  fit.forEach((r, i) => {
    fitX.set(d.x.subarray(r * E, (r + 1) * E), i * E);
  });
  setDescriptorParams(vm, d.elements, fitX);
  const dz = o.latentDim;
  const seeds = Array.from({ length: M }, (_, k) => 77 + k);
  const w = Float64Array.from(tf.randomNormal([M * S * B], 0, 1, 'float32', 2).dataSync());
  const z0 = Float64Array.from(tf.randomNormal([B * dz], 0, 1, 'float32', 3).dataSync());
  // kernels
  const dec = latentKernel(vm, 0, B);
  const mc = mcKernel(vm, { seeds, passes: S, rows: B, load: 0.3 });
  const kStep = () => {
    const x = dec.decode(z0).p;
    mc.forward(x);
    dec.decodeBackward(mc.backward(w));
  };
  const kernelMs = timeSteps(kStep, Math.max(3, Math.floor(repeats / 2)), () => undefined);
  // tfjs
  const net: Net = { options: o, params: vm.tensors() };
  const decNet: Net = { options: o, params: vm.member(0).tensors() };
  const noise = mcNoise(o, seeds, S, 0, B);
  const loadT = tf.fill([1, S * B, 1], 0.3);
  const passOnes = tf.ones([S, 1, 1]);
  const wT = tf.tensor1d(Float32Array.from(w));
  const zT = tf.tensor2d(Float32Array.from(z0), [B, dz]);
  const g = tf.grad((zz: tf.Tensor) => {
    const x = tf.squeeze(tf.exp(decodeLog(decNet, tf.expandDims(zz, 0))), [0]);
    const xt = tf.reshape(tf.mul(passOnes, tf.expandDims(x, 0)), [1, S * B, E]);
    const y = forward(
      net,
      { x: xt, load: loadT },
      { training: false, mc: true, noise, decoder: false },
    ).yhat;
    return tf.sum(tf.mul(tf.reshape(y, [M * S * B]), wT));
  });
  let last: tf.Tensor | null = null;
  const tStep = () => {
    last?.dispose();
    last = g(zT);
  };
  const tfjsMs = timeSteps(tStep, Math.max(3, Math.floor(repeats / 2)), () => last?.dataSync());
  (last as tf.Tensor | null)?.dispose();
  disposeNoise(noise);
  tf.dispose([
    loadT,
    passOnes,
    wT,
    zT,
    ...Object.values(net.params),
    ...Object.values(decNet.params),
  ]);
  return [
    fig(
      'e_refine_network_ms',
      `(e) refinement step's network part: ${B} latents → decoder → ${M} networks × ${S} MC passes, ∂/∂z (default architecture; kernels)`,
      kernelMs,
      'ms',
    ),
    fig(
      'e_tfjs_refine_network_ms',
      '(e′) the same through tfjs ops (before issue 16)',
      tfjsMs,
      'ms',
    ),
  ];
}

interface PeerRow {
  key: string;
  median: number;
  min: number;
}

function peer(repeats: number): { rows: PeerRow[]; machine: Record<string, unknown> } | null {
  const script = defaultDataPaths().csv.replace(/data\/H_v_dataset\.csv$/, 'bench/peer_torch.py');
  try {
    const out = execFileSync('/usr/bin/python3', [script, '--json', '--repeats', String(repeats)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 26,
    });
    const j = JSON.parse(out) as { result: { rows: PeerRow[] }; machine: Record<string, unknown> };
    return { rows: j.result.rows, machine: j.machine };
  } catch (e) {
    process.stderr.write(
      `peer_torch.py failed or is not installed (${(e as Error).message.split('\n')[0]})\n`,
    );
    return null;
  }
}

async function main() {
  const t0 = performance.now();
  const load0 = loadavg();
  const usePeer = !argv.includes('--no-peer');
  process.stderr.write('our figures (wasm)...\n');
  const wasm = await ours('wasm', REPEATS);
  let cpu: Fig[] | null = null;
  if (argv.includes('--cpu')) {
    process.stderr.write('our figures (cpu backend, 3 repeats)...\n');
    cpu = await ours('cpu', 3);
  }
  process.stderr.write(usePeer ? 'peer figures (peer_torch.py, 1 torch thread)...\n' : '');
  const pr = usePeer ? peer(REPEATS) : null;
  const load1 = loadavg();
  const peerOf = (key: string): PeerRow | undefined => {
    const five = /^[ab]5s?_/.test(key);
    const base = key.replace(/^([ab])5s?_/, '$1_').replace(/^d_tfjs_/, 'd_');
    const r = pr?.rows.find((x) => x.key === base);
    if (!r) return undefined;
    const k = five ? 5 : 1; // the peer trains 5 networks one after another
    return { key, median: r.median * k, min: r.min * k };
  };
  const lines = [
    `VIBANN speed, ours (tfjs ${tf.version_core}) vs the PyTorch peer — ${cpus().length} cpus (${cpus()[0]?.model}), ` +
      `load avg ${load0.map((v) => v.toFixed(2)).join('/')} → ${load1.map((v) => v.toFixed(2)).join('/')}; ` +
      'shared machine: timings are noisy, compare within this run only.',
    '',
    '| figure | ours median | ours min | peer median | peer min | ratio ours/peer (median) | ratio ours/peer (min) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const f of wasm) {
    const q = peerOf(f.key);
    const note = /^[ab]5s?_/.test(f.key) ? ' (peer: 5 × 1 network)' : '';
    lines.push(
      `| ${f.figure}${note} | ${f.median.toFixed(3)} ${f.unit} | ${f.min.toFixed(3)} | ${q ? q.median.toFixed(3) : '–'} | ${q ? q.min.toFixed(3) : '–'} | ${q ? (f.median / q.median).toFixed(2) : '–'} | ${q ? (f.min / q.min).toFixed(2) : '–'} |`,
    );
  }
  if (cpu) {
    lines.push(
      '',
      '| figure (our cpu backend vs our wasm) | cpu median | wasm median | cpu/wasm |',
      '|---|---|---|---|',
    );
    for (const f of cpu) {
      const w = wasm.find((x) => x.key === f.key) as Fig;
      lines.push(
        `| ${f.figure} | ${f.median.toFixed(3)} ${f.unit} | ${w.median.toFixed(3)} | ${(f.median / w.median).toFixed(1)} |`,
      );
    }
  }
  if (wallPerEpoch !== null) {
    const q = peerOf('b5_epoch_s');
    lines.push(
      '',
      `(b) on 2 threads, main-thread wall time per epoch over epochs 3…${2 + REPEATS} (merged progress): ` +
        `${wallPerEpoch.toFixed(3)} s${q ? ` = ${(wallPerEpoch / q.median).toFixed(2)} × the peer's median` : ''}`,
    );
  }
  lines.push('', `bench wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (arg('json')) {
    writeFileSync(
      arg('json') as string,
      JSON.stringify({ ours: wasm, ours_cpu: cpu, peer: pr, loadavg: [load0, load1] }, null, 1),
    );
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
