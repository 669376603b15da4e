/**
 * The lower confidence bound used throughout (SPEC §5, §9): LCB = μ − z·σ with z = 1.645, the
 * one-sided 95 % standard-normal quantile (Φ⁻¹(0.95) = 1.6448536…, rounded as in the paper).
 * In a module without imports so that light modules (report, BO maths) can use it without
 * loading TensorFlow.js.
 */
export const LCB_Z = 1.645;
