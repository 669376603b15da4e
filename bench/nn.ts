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
 *       J = Σ head(z) + 0.1 Σ x̂ ln x̂; forward + ∂J/∂z + z += 0.01·∂J/∂z; mean of 100 steps
 * For (a) and (b) our 5-network figure is the stacked ensemble (5 networks in one computation);
 * the peer trains networks one after another, so its 5-network figure is 5 × its 1-network one.
 *
 *   npx tsx bench/nn.ts [--repeats 10] [--no-peer] [--cpu] [--json out.json]
 *
 * Timings are wall times on a shared machine: compare only figures from the same run.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { initBackend } from '../src/nn/backend.ts';
import { decodeLog, hardnessFromLatent, type Net } from '../src/nn/model.ts';
import { resolveVibannOptions } from '../src/nn/options.ts';
import * as tf from '../src/nn/tf.ts';
import { preset } from '../src/train/presets.ts';
import { initEnsemble, type MemberPlan, trainEnsemble } from '../src/train/trainer.ts';
import { predictMC } from '../src/uq/predict.ts';
import { defaultDataPaths, loadReferenceData } from './nn-data.ts';

const argv = process.argv;
const arg = (n: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const REPEATS = Number(arg('repeats') ?? 10);

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
  // (a), (b): train on all of train_fit, validate on cv_folds[0]; warm-up 2 epochs
  for (const M of [1, 5]) {
    const seeds = Array.from({ length: M }, (_, k) => 1000 + k);
    const plans: MemberPlan[] = seeds.map((seed) => ({
      train: d.split.trainFit,
      val: d.split.folds[0],
      seed,
    }));
    const steps: number[] = [];
    const epochs: number[] = [];
    let ep = 0;
    await trainEnsemble(initEnsemble(o, seeds), d.arrays, plans, {
      ...p.training,
      maxEpochs: 2 + repeats,
      patience: 10000,
      onStep: (ms) => {
        if (ep >= 2) steps.push(ms);
      },
      onEpoch: (e) => {
        ep = e.epoch;
        if (e.epoch > 2) epochs.push((e.members[0].record?.wallMs ?? 0) / 1000);
      },
    });
    const tag = M === 1 ? '1 network' : `${M} networks stacked`;
    figs.push(
      fig(
        M === 1 ? 'a_train_step_ms' : 'a5_train_step_ms',
        `(a) training step, batch 16, ${tag}`,
        steps,
        'ms',
      ),
    );
    figs.push(
      fig(
        M === 1 ? 'b_epoch_s' : 'b5_epoch_s',
        `(b) epoch over train_fit (430 rows) + validation, ${tag}`,
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
  for (const M of [1, 5]) {
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
  // (d): latent gradient steps
  const one = model5.member(0);
  const params = one.tensors();
  const net: Net = { options: one.options, params };
  let z = tf.randomNormal([1, 64, o.latentDim], 0, 1, 'float32', 1);
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
  for (let i = 0; i < 20; i++) step();
  z.dataSync();
  const dv: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) step();
    z.dataSync();
    dv.push((performance.now() - t0) / 100);
  }
  z.dispose();
  tf.dispose(Object.values(params));
  figs.push(
    fig('d_inverse_grad_ms', '(d) gradient step w.r.t. 64 latents, decoder + head', dv, 'ms'),
  );
  return figs;
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
    const base = key.replace(/^a5_/, 'a_').replace(/^b5_/, 'b_');
    const r = pr?.rows.find((x) => x.key === base);
    if (!r) return undefined;
    const k = key.startsWith('a5_') || key.startsWith('b5_') ? 5 : 1; // the peer trains 5 networks one after another
    return { key, median: r.median * k, min: r.min * k };
  };
  const lines = [
    `VIBANN speed, ours (tfjs ${tf.version_core}) vs the PyTorch peer — ${cpus().length} cpus (${cpus()[0]?.model}), ` +
      `load avg ${load0.map((v) => v.toFixed(2)).join('/')} → ${load1.map((v) => v.toFixed(2)).join('/')}; ` +
      'shared machine: timings are noisy, compare within this run only.',
    '',
    '| figure | ours median | ours min | peer median | peer min | ours/peer (median) |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of wasm) {
    const q = peerOf(f.key);
    const note = f.key.startsWith('a5_') || f.key.startsWith('b5_') ? ' (peer: 5 × 1 network)' : '';
    lines.push(
      `| ${f.figure}${note} | ${f.median.toFixed(3)} ${f.unit} | ${f.min.toFixed(3)} | ${q ? q.median.toFixed(3) : '–'} | ${q ? q.min.toFixed(3) : '–'} | ${q ? (f.median / q.median).toFixed(2) : '–'} |`,
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
