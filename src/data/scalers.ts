/**
 * Scalers fitted on training rows only (SPEC §1): load (linear or ln) and hardness, both
 * standardised with the mean and the population standard deviation.
 */
import { mean, stdPop } from '../math/stats.ts';
import { InputError } from '../util/errors.ts';

export interface StandardScalerJSON {
  kind: 'standard';
  /** Mean of the fitted values (in the transformed unit). */
  mean: number;
  /** Population standard deviation of the fitted values. */
  std: number;
}

export class StandardScaler {
  readonly mean: number;
  readonly std: number;
  constructor(mean: number, std: number) {
    if (!Number.isFinite(mean) || !(std > 0))
      throw new InputError(`StandardScaler: invalid mean ${mean} / std ${std}`);
    this.mean = mean;
    this.std = std;
  }
  static fit(values: ArrayLike<number>): StandardScaler {
    const n = values.length;
    if (n === 0) throw new InputError('StandardScaler.fit: no values');
    const std = stdPop(values);
    // A constant column would divide by zero; keep it unscaled (std 1) instead.
    return new StandardScaler(mean(values), std > 0 ? std : 1);
  }
  transform(v: number): number {
    return (v - this.mean) / this.std;
  }
  inverse(v: number): number {
    return v * this.std + this.mean;
  }
  transformAll(values: ArrayLike<number>): Float64Array {
    return Float64Array.from(values as ArrayLike<number>, (v) => this.transform(v));
  }
  inverseAll(values: ArrayLike<number>): Float64Array {
    return Float64Array.from(values as ArrayLike<number>, (v) => this.inverse(v));
  }
  toJSON(): StandardScalerJSON {
    return { kind: 'standard', mean: this.mean, std: this.std };
  }
  static fromJSON(j: StandardScalerJSON): StandardScaler {
    return new StandardScaler(j.mean, j.std);
  }
}

export type LoadTransform = 'linear' | 'log';

export interface LoadScalerJSON {
  kind: 'load';
  /** 'linear' standardises L; 'log' standardises ln L (SPEC §1). */
  transform: LoadTransform;
  mean: number;
  std: number;
}

/** Standardises indentation load L (N), linearly or as ln L. */
export class LoadScaler {
  readonly transformKind: LoadTransform;
  private readonly inner: StandardScaler;
  private constructor(kind: LoadTransform, inner: StandardScaler) {
    this.transformKind = kind;
    this.inner = inner;
  }
  private pre(L: number): number {
    if (!(L > 0)) throw new InputError(`load must be > 0 N, got ${L}`);
    return this.transformKind === 'log' ? Math.log(L) : L;
  }
  static fit(loads: ArrayLike<number>, kind: LoadTransform = 'linear'): LoadScaler {
    const pre = Float64Array.from(loads as ArrayLike<number>, (L) =>
      kind === 'log' ? Math.log(L) : L,
    );
    return new LoadScaler(kind, StandardScaler.fit(pre));
  }
  get mean(): number {
    return this.inner.mean;
  }
  get std(): number {
    return this.inner.std;
  }
  transform(L: number): number {
    return this.inner.transform(this.pre(L));
  }
  transformAll(loads: ArrayLike<number>): Float64Array {
    return Float64Array.from(loads as ArrayLike<number>, (L) => this.transform(L));
  }
  toJSON(): LoadScalerJSON {
    return {
      kind: 'load',
      transform: this.transformKind,
      mean: this.inner.mean,
      std: this.inner.std,
    };
  }
  static fromJSON(j: LoadScalerJSON): LoadScaler {
    return new LoadScaler(j.transform, new StandardScaler(j.mean, j.std));
  }
}
