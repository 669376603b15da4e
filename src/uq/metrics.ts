/**
 * Accuracy metrics on measured y and predicted μ (and σ), SPEC §6 "Accuracy on any set".
 *
 * The definitions match `../shared/bench/peer_torch.py::metrics` exactly, so our figures and the
 * PyTorch peer's can be compared number for number:
 * - err = μ − y (mean signed error < 0 means under-prediction);
 * - R² = 1 − SSE/SST, SST about the population mean of y (NaN when y is constant);
 * - MAPE in %, mean(|err| / y) · 100 (y is hardness in HV, always > 0);
 * - with σ: σ floored at 1e-12; ±1σ coverage counts |err| ≤ σ (inclusive); Gaussian NLL is the mean
 *   of ½ ln(2π σ²) + err² / (2σ²).
 * Keys are snake_case as in the docs/architecture.md `evaluate --json` contract.
 */
import { InputError } from '../util/errors.ts';

/** Numbers in: plain arrays or typed arrays. */
export type Vec = ArrayLike<number>;

/** Floor on σ before dividing by it or taking its log (as the peer does). */
export const SIGMA_FLOOR = 1e-12;

export interface AccuracyMetrics {
  /** Number of rows. */
  n: number;
  /** Coefficient of determination 1 − SSE/SST (population mean); NaN if y is constant. */
  r2: number;
  /** Mean absolute error (units of y, HV). */
  mae: number;
  /** Root mean squared error (units of y, HV). */
  rmse: number;
  /** Mean absolute percentage error, in % (mean |μ − y| / y · 100). */
  mape: number;
  /** Mean of μ − y (units of y); negative = under-prediction. */
  mean_signed_error: number;
}

export interface UncertaintyMetrics {
  /** Fraction of rows with |y − μ| ≤ σ. */
  coverage_1sigma: number;
  /** Mean predicted σ (units of y, after the 1e-12 floor). */
  mean_sigma: number;
  /** Mean Gaussian negative log-likelihood per row (nats, y in its own units). */
  nll: number;
}

/** Throws InputError unless every array has the same, non-zero length. */
export function checkSameLength(what: string, ...arrays: { name: string; v: Vec }[]): number {
  const n = arrays[0].v.length;
  if (n === 0) throw new InputError(`${what}: ${arrays[0].name} is empty; expected at least 1 row`);
  for (const a of arrays) {
    if (a.v.length !== n) {
      throw new InputError(
        `${what}: ${a.name} has ${a.v.length} values but ${arrays[0].name} has ${n}; expected equal lengths`,
      );
    }
  }
  return n;
}

/** Accuracy metrics of μ against y (SPEC §6). */
export function accuracyMetrics(y: Vec, mu: Vec): AccuracyMetrics;
/** Accuracy plus ±1σ coverage, mean σ and Gaussian NLL (SPEC §6). */
export function accuracyMetrics(y: Vec, mu: Vec, sigma: Vec): AccuracyMetrics & UncertaintyMetrics;
export function accuracyMetrics(
  y: Vec,
  mu: Vec,
  sigma?: Vec,
): AccuracyMetrics | (AccuracyMetrics & UncertaintyMetrics) {
  const arrays = [
    { name: 'y', v: y },
    { name: 'mu', v: mu },
  ];
  if (sigma !== undefined) arrays.push({ name: 'sigma', v: sigma });
  const n = checkSameLength('accuracyMetrics', ...arrays);

  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i];
  yMean /= n;

  let sse = 0;
  let sst = 0;
  let sae = 0;
  let sape = 0;
  let se = 0;
  for (let i = 0; i < n; i++) {
    const err = mu[i] - y[i];
    sse += err * err;
    sst += (y[i] - yMean) * (y[i] - yMean);
    sae += Math.abs(err);
    sape += Math.abs(err) / y[i];
    se += err;
  }
  const out: AccuracyMetrics = {
    n,
    r2: sst > 0 ? 1 - sse / sst : Number.NaN,
    mae: sae / n,
    rmse: Math.sqrt(sse / n),
    mape: (sape / n) * 100,
    mean_signed_error: se / n,
  };
  if (sigma === undefined) return out;

  let covered = 0;
  let sumSigma = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.max(sigma[i], SIGMA_FLOOR);
    if (Math.abs(mu[i] - y[i]) <= s) covered++;
    sumSigma += s;
  }
  return {
    ...out,
    coverage_1sigma: covered / n,
    mean_sigma: sumSigma / n,
    nll: gaussianNll(y, mu, sigma),
  };
}

/** Mean Gaussian negative log-likelihood, σ floored at 1e-12 (same formula as accuracyMetrics). */
export function gaussianNll(y: Vec, mu: Vec, sigma: Vec): number {
  const n = checkSameLength(
    'gaussianNll',
    { name: 'y', v: y },
    { name: 'mu', v: mu },
    { name: 'sigma', v: sigma },
  );
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.max(sigma[i], SIGMA_FLOOR);
    const err = mu[i] - y[i];
    nll += 0.5 * Math.log(2 * Math.PI * s * s) + (err * err) / (2 * s * s);
  }
  return nll / n;
}
