/**
 * The four acceptance gates (SPEC §9.7), each recorded with value, threshold and pass/fail so a
 * user can audit why a candidate was accepted or rejected:
 * - support: log p_GMM(E(x)) of the re-encoded rounded alloy ≥ logp_thr;
 * - novelty: distance to the nearest train_fit composition ≥ the novelty threshold;
 * - uncertainty: σ ≤ 2.5·σ_ref;
 * - performance: LCB ≥ LCB_target.
 */
export interface Gate {
  value: number;
  threshold: number;
  pass: boolean;
}

export interface GateRecord {
  support: Gate;
  novelty: Gate;
  uncertainty: Gate;
  performance: Gate;
  /** Glass-formation gate (design/assess.ts), when the design has it on (issue 13). */
  glass?: Gate & { outside: string[] };
}

/** The four model gates (the optional glass gate is reported separately). */
export type GateName = 'support' | 'novelty' | 'uncertainty' | 'performance';
export const GATE_NAMES: readonly GateName[] = ['support', 'novelty', 'uncertainty', 'performance'];

export interface DesignThresholds {
  /** Support threshold on the latent GMM log-density (default: weighted 5 % quantile of train_fit latents). */
  logpThreshold: number;
  /** Novelty minimum: distance to the nearest dataset alloy in atomic fractions (default 0.10). */
  novelty: number;
  /** σ_ref: q0.80 of σ over the calibration set at the design load (HV). */
  sigmaRef: number;
  /** Uncertainty gate factor on σ_ref (default 2.5). */
  sigmaCapFactor: number;
  /** LCB target: default q0.25 of LCB over the near-peak calibration rows (HV; docs/design.md). */
  lcbTarget: number;
}

export interface GateInputs {
  logp: number;
  novelty: number;
  sigma: number;
  lcb: number;
}

export function evaluateGates(v: GateInputs, t: DesignThresholds): GateRecord {
  const sigmaCap = t.sigmaCapFactor * t.sigmaRef;
  return {
    support: { value: v.logp, threshold: t.logpThreshold, pass: v.logp >= t.logpThreshold },
    novelty: { value: v.novelty, threshold: t.novelty, pass: v.novelty >= t.novelty },
    uncertainty: { value: v.sigma, threshold: sigmaCap, pass: v.sigma <= sigmaCap },
    performance: { value: v.lcb, threshold: t.lcbTarget, pass: v.lcb >= t.lcbTarget },
  };
}

export function allPass(g: GateRecord): boolean {
  return GATE_NAMES.every((n) => g[n].pass);
}

/** Count, per gate, how many records fail it (a record can fail several). */
export function gateFailureCounts(
  records: readonly GateRecord[],
): Record<`gate_${GateName}`, number> {
  const out = { gate_support: 0, gate_novelty: 0, gate_uncertainty: 0, gate_performance: 0 };
  for (const r of records) for (const n of GATE_NAMES) if (!r[n].pass) out[`gate_${n}`]++;
  return out;
}
