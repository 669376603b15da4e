/**
 * The composition-descriptor branch's input layer (SPEC §3 descriptor branch): the descriptors of
 * src/chem/descriptors.ts (`descriptorVector`, order `DESCRIPTOR_FEATURES`) computed from the
 * fractions x with tensor ops, so that they are differentiable with respect to x (the design's
 * refinement takes gradients through them). The element constants are two tensors the model layer
 * fills from the cited element table (src/model/descriptors.ts):
 *
 * - `props` [E, 3K]: for the K = 8 properties of `DESC_PROPERTIES`, columns v_k (0 where the table
 *   has no value), v_k², and the indicator h_k of a value;
 * - `hmix` [E, E]: 2·ΔH_ij (Miedema/Takeuchi–Inoue binary enthalpies, kJ/mol, zero diagonal), so
 *   that xᵀ·hmix·x = Σ_{i<j} 4 ΔH_ij x_i x_j = ΔH_mix.
 *
 * Per property: weighted mean m_k = (x·v_k)/(x·h_k) and spread s_k = √((x·v_k²)/(x·h_k) − m_k²)
 * (elements without a value left out and the rest renormalised, as `weightedStat`); δ = s_r/m_r
 * (√Σc(1 − r/r̄)² = spread/mean of the radius); ΔS_mix = −R Σ x ln x. Small floors keep the square
 * root and the logarithm differentiable at 0 (`SQRT_FLOOR`, `LOG_FLOOR`).
 */
import { groupedMatMul } from './kernels.ts';
import * as tf from './tf.ts';

/** Element properties of the branch, in column order of `props`. */
export const DESC_PROPERTIES = [
  'radius',
  'chi',
  'vec',
  'meltingPoint',
  'molarVolume',
  'bulkModulus',
  'youngsModulus',
  'shearModulus',
] as const;
const K = DESC_PROPERTIES.length;
/** Columns of the `props` constant: v, v², has for each property. */
export const DESC_CONST_COLS = 3 * K;
/** Descriptors out (= DESCRIPTOR_FEATURES.length of src/chem/descriptors.ts). */
export const N_DESCRIPTORS = 15;
/** Gas constant, J/(mol·K) (CODATA 2018, exact; as src/chem/descriptors.ts). */
export const R_GAS = 8.314462618;
/** Added under the square root of a variance (units² of the property): gradient finite at 0. */
export const SQRT_FLOOR = 1e-8;
/** Added inside ln x of ΔS_mix: 0·ln(1e-12) = 0 and a finite gradient at x = 0. */
export const LOG_FLOOR = 1e-12;

/**
 * Column of [means (K), spreads (K), δ, ΔH_mix, ΔS_mix] feeding descriptor j of
 * DESCRIPTOR_FEATURES: delta, dH_mix, dS_mix, dchi, vec, radius_mean, chi_mean, vec_spread,
 * melting_point_mean/spread, molar_volume_mean/spread, bulk/youngs/shear modulus means.
 */
export const DESC_SOURCE = [16, 17, 18, 8 + 1, 2, 0, 1, 8 + 2, 3, 8 + 3, 4, 8 + 4, 5, 6, 7];

let selector: tf.Tensor | null = null;
function select(): tf.Tensor {
  if (!selector) {
    const s = new Float32Array(19 * N_DESCRIPTORS);
    DESC_SOURCE.forEach((c, j) => {
      s[c * N_DESCRIPTORS + j] = 1;
    });
    selector = tf.keep(tf.tensor2d(s, [19, N_DESCRIPTORS]));
  }
  return selector;
}

/**
 * Raw descriptors [M, B, 15] of compositions x [Mx, B, E] (Mx ∈ {1, M}) with element constants
 * props [M, E, 3K] and hmix [M, E, E].
 */
export function rawDescriptors(x: tf.Tensor, props: tf.Tensor, hmix: tf.Tensor): tf.Tensor {
  const M = props.shape[0] as number;
  const B = x.shape[1] as number;
  const xm = x.shape[0] === M ? x : tf.mul(x, tf.ones([M, 1, 1]));
  const q = groupedMatMul(xm as tf.Tensor3D, props as tf.Tensor3D); // [M, B, 3K]
  const v = tf.slice(q, [0, 0, 0], [M, B, K]);
  const v2 = tf.slice(q, [0, 0, K], [M, B, K]);
  const has = tf.maximum(tf.slice(q, [0, 0, 2 * K], [M, B, K]), tf.scalar(1e-6));
  const mean = tf.div(v, has);
  const variance = tf.relu(tf.sub(tf.div(v2, has), tf.square(mean)));
  const spread = tf.sqrt(tf.add(variance, tf.scalar(SQRT_FLOOR)));
  const delta = tf.div(
    tf.slice(spread, [0, 0, 0], [M, B, 1]),
    tf.slice(mean, [0, 0, 0], [M, B, 1]),
  );
  const xh = groupedMatMul(xm as tf.Tensor3D, hmix as tf.Tensor3D); // [M, B, E]
  const dH = tf.sum(tf.mul(xm, xh), -1, true);
  const dS = tf.mul(
    tf.sum(tf.mul(xm, tf.log(tf.add(xm, tf.scalar(LOG_FLOOR)))), -1, true),
    tf.scalar(-R_GAS),
  );
  const all = tf.concat([mean, spread, delta, dH, dS], 2); // [M, B, 19]
  return tf.reshape(tf.matMul(tf.reshape(all, [M * B, 19]), select()), [M, B, N_DESCRIPTORS]);
}

/** Standardised descriptors (raw − shift)/scale, shift and scale [M, 15] fitted on train_fit. */
export function standardDescriptors(
  x: tf.Tensor,
  props: tf.Tensor,
  hmix: tf.Tensor,
  shift: tf.Tensor,
  scale: tf.Tensor,
): tf.Tensor {
  const M = props.shape[0] as number;
  const raw = rawDescriptors(x, props, hmix);
  return tf.div(
    tf.sub(raw, tf.reshape(shift, [M, 1, N_DESCRIPTORS])),
    tf.reshape(scale, [M, 1, N_DESCRIPTORS]),
  );
}
