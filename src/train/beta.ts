/**
 * β of the VIB term (SPEC §4): a controller that moves β towards a target KL/d, or a fixed β
 * (SPEC §4 Presets: the default preset uses a fixed β = 1e-3).
 */
import { InputError } from '../util/errors.ts';

export interface BetaOptions {
  /** 'controller' (SPEC §4) or 'fixed' (β stays at beta0). */
  mode: 'controller' | 'fixed';
  /** Initial β (SPEC §4: 1e-3). */
  beta0: number;
  /** Target epoch-mean KL/d in nats per latent dimension (SPEC §4: 0.15). */
  target: number;
  /** Multiplicative step per epoch (SPEC §4: 1.05). */
  factor: number;
  /** Lower clip of β (SPEC §4: 1e-6). */
  min: number;
  /** Upper clip of β (SPEC §4: 100). */
  max: number;
}

export const DEFAULT_BETA: BetaOptions = {
  mode: 'controller',
  beta0: 1e-3,
  target: 0.15,
  factor: 1.05,
  min: 1e-6,
  max: 100,
};

export interface BetaControllerJSON {
  kind: 'beta-controller';
  options: BetaOptions;
  beta: number;
}

export class BetaController {
  readonly options: BetaOptions;
  beta: number;

  constructor(options: Partial<BetaOptions> = {}) {
    this.options = { ...DEFAULT_BETA, ...options };
    const o = this.options;
    if (o.mode !== 'controller' && o.mode !== 'fixed')
      throw new InputError(`beta.mode: expected 'controller' or 'fixed', got ${o.mode}`);
    if (!(o.beta0 >= 0) || !(o.factor > 0) || !(o.min >= 0) || !(o.max >= o.min)) {
      throw new InputError(`beta options out of range: ${JSON.stringify(o)}`);
    }
    this.beta = o.beta0;
  }

  /**
   * End-of-epoch update with the epoch-mean KL/d (training mode): ≥ target → β·factor, below →
   * β/factor, then clip to [min, max] (SPEC §4). No-op in fixed mode. Returns the new β.
   */
  update(klPerDimEpoch: number): number {
    const o = this.options;
    if (o.mode === 'fixed') return this.beta;
    const b = klPerDimEpoch >= o.target ? this.beta * o.factor : this.beta / o.factor;
    this.beta = Math.min(Math.max(b, o.min), o.max);
    return this.beta;
  }

  toJSON(): BetaControllerJSON {
    return { kind: 'beta-controller', options: { ...this.options }, beta: this.beta };
  }

  static fromJSON(j: BetaControllerJSON): BetaController {
    const c = new BetaController(j.options);
    c.beta = j.beta;
    return c;
  }
}
