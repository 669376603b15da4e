/**
 * Training curves (SPEC §4, §14): per epoch and per network, the hardness loss, the reconstruction
 * loss, KL/d, β and the validation MSE, one small panel each. Losses and β span orders of
 * magnitude, so those panels use a log scale; KL/d is linear with its controller target marked.
 * `TrainingHistory` is also the shape `history.json` is read with by the HTML report.
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  isFiniteNumber,
  type LayerItem,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from './common.ts';

export interface EpochRecord {
  /** Epoch number (1-based). */
  epoch: number;
  /** Weighted hardness MSE of the epoch (scaled HV, i.e. on the standardised target). */
  loss_hardness?: number;
  /** Reconstruction loss: mean KL(x ‖ x̂) over rows (nats). */
  loss_reconstruction?: number;
  /** Epoch-mean KL divergence of the latent per dimension (nats). */
  kl_per_dim?: number;
  /** β after the epoch (dimensionless). */
  beta?: number;
  /** Weighted validation hardness MSE, dropout off (scaled HV). */
  val_mse?: number;
  /** Wall-clock seconds of the epoch. */
  seconds?: number;
}

export interface NetworkHistory {
  /** Name shown in the legend, e.g. `seed 1 · fold 3`. */
  name: string;
  epochs: EpochRecord[];
  /** Epoch whose weights were restored (early stopping); marked on the validation panel. */
  best_epoch?: number;
}

export interface TrainingHistory {
  networks: NetworkHistory[];
  /** KL/d target of the β controller (nats); drawn as a dashed line when given (SPEC §4: 0.15). */
  kl_target?: number;
}

export interface TrainingOptions extends CommonPlotOptions {
  /** Unit of the hardness losses and validation MSE for the axis titles (default 'scaled HV²'). */
  lossUnit?: string;
  /** Panels per row (default 3). */
  columns?: number;
}

type MetricKey = 'loss_hardness' | 'loss_reconstruction' | 'kl_per_dim' | 'beta' | 'val_mse';

interface Panel {
  key: MetricKey;
  title: string;
  axis: string;
  log: boolean;
}

/** The panels, in display order; a panel is drawn only when some epoch has a value for it. */
function panels(lossUnit: string): Panel[] {
  return [
    {
      key: 'loss_hardness',
      title: 'Hardness loss, train (weighted MSE)',
      axis: `MSE (${lossUnit})`,
      log: true,
    },
    { key: 'val_mse', title: 'Validation hardness MSE', axis: `MSE (${lossUnit})`, log: true },
    { key: 'loss_reconstruction', title: 'Reconstruction loss KL(x ‖ x̂)', axis: 'nats', log: true },
    { key: 'kl_per_dim', title: 'KL per latent dimension', axis: 'KL/d (nats)', log: false },
    { key: 'beta', title: 'β (KL weight)', axis: 'β (log scale)', log: true },
  ];
}

/** Tick values for a log axis: the powers of ten in range, with 2× and 5× when fewer than three. */
export function logTicks(values: readonly number[]): number[] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [1];
  const lo = Math.min(...pos);
  const hi = Math.max(...pos);
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const decades: number[] = [];
  for (let k = k0; k <= k1; k++) decades.push(10 ** k);
  if (decades.length >= 4) return decades.map((v) => Number(v.toPrecision(1)));
  return decades
    .flatMap((d) => [d, 2 * d, 5 * d])
    .filter((v) => v <= 10 ** k1)
    .map((v) => Number(v.toPrecision(1)));
}

export function trainingCurvesPlot(
  data: TrainingHistory,
  options: TrainingOptions = {},
): TopLevelSpec {
  const width = options.width ?? 260;
  const height = options.height ?? 180;
  const names = data.networks.map((n) => n.name);
  const rows: { network: string; epoch: number; metric: MetricKey; value: number }[] = [];
  const all = panels(options.lossUnit ?? 'scaled HV²');
  for (const net of data.networks) {
    for (const e of net.epochs) {
      for (const p of all) {
        const v = e[p.key];
        // Log panels cannot show v ≤ 0; those points are left out rather than breaking the scale.
        if (isFiniteNumber(v) && (!p.log || v > 0))
          rows.push({ network: net.name, epoch: e.epoch, metric: p.key, value: v });
      }
    }
  }
  const shown = all.filter((p) => rows.some((r) => r.metric === p.key));
  const many = names.length > 10;
  const colour = {
    field: 'network',
    type: 'nominal' as const,
    title: 'network',
    scale: { domain: names, range: CATEGORY_COLOURS },
    legend: many ? null : { orient: 'right' as const },
  };
  const best = data.networks
    .filter((n) => isFiniteNumber(n.best_epoch))
    .map((n) => ({ network: n.name, epoch: n.best_epoch as number }));
  const own = [
    `${names.length} network${names.length === 1 ? '' : 's'}, ${Math.max(0, ...data.networks.map((n) => n.epochs.length))} epochs at most`,
  ];
  if (best.length > 0) own.push('dotted vertical lines: epoch restored by early stopping');
  if (isFiniteNumber(data.kl_target) && shown.some((p) => p.key === 'kl_per_dim'))
    own.push(`dashed line on KL/d: target of the β controller (${data.kl_target} nats)`);
  if (many) own.push('one line per network (legend omitted: more than 10 networks)');
  const panelSpec = (p: Panel) => {
    const layers: LayerItem[] = [
      {
        name: `curve_${p.key}`,
        mark: { type: 'line', strokeWidth: many ? 1 : 1.5, opacity: many ? 0.6 : 0.9, clip: true },
        transform: [{ filter: { field: 'metric', equal: p.key } }],
        encoding: {
          x: {
            field: 'epoch',
            type: 'quantitative',
            title: 'epoch',
            axis: { tickMinStep: 1, format: 'd' },
          },
          y: {
            field: 'value',
            type: 'quantitative',
            title: p.axis,
            scale: p.log ? { type: 'log' } : { zero: false },
            axis: p.log
              ? {
                  format: '.3~g',
                  values: logTicks(rows.filter((r) => r.metric === p.key).map((r) => r.value)),
                }
              : { format: '.3~g', tickCount: 5 },
          },
          color: colour,
          detail: { field: 'network' },
        },
      },
    ];
    if (p.key === 'kl_per_dim' && isFiniteNumber(data.kl_target)) {
      layers.push({
        name: 'kl_target',
        data: { values: [{ target: data.kl_target }] },
        mark: { type: 'rule', strokeDash: [5, 3], color: '#444' },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      });
    }
    if (p.key === 'val_mse' && best.length > 0) {
      layers.push({
        name: 'best_epoch',
        data: { values: best },
        mark: { type: 'rule', strokeDash: [2, 2], opacity: 0.8 },
        encoding: { x: { field: 'epoch', type: 'quantitative' }, color: colour },
      });
    }
    return {
      title: { text: p.title, fontSize: 12, anchor: 'middle' as const },
      width,
      height,
      layer: layers,
    };
  };
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(options.title ?? 'Training curves', own, options.subtitle),
    description: 'Training curves per epoch: losses, KL per latent dimension and β, per network.',
    config: BASE_CONFIG,
    data: { values: rows },
    columns: Math.max(1, Math.min(options.columns ?? 3, shown.length)),
    concat: shown.map(panelSpec),
    resolve: { scale: { color: 'shared' } },
  };
}
