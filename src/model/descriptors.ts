/**
 * Element constants and train_fit standardisation of the network's descriptor branch (SPEC §3
 * descriptor branch; the layer itself is src/nn/descriptors.ts). The constants come from the
 * cited element table of src/chem (`elementProperties`, `miedemaBinaryEnthalpy`), so the network
 * computes exactly `descriptorVector` of src/chem/descriptors.ts (tested).
 */
import { elementProperties, miedemaBinaryEnthalpy } from '../chem/descriptors.ts';
import {
  DESC_CONST_COLS,
  DESC_PROPERTIES,
  N_DESCRIPTORS,
  rawDescriptors,
} from '../nn/descriptors.ts';
import type { VibannModel } from '../nn/params.ts';
import * as tf from '../nn/tf.ts';
import { CompositionError, InputError } from '../util/errors.ts';

/** props [E, 3K] (v, v², has per property) and hmix [E, E] (2·ΔH_ij, kJ/mol) of an element basis. */
export function descriptorConstants(elements: readonly string[]): {
  props: Float32Array;
  hmix: Float32Array;
} {
  const E = elements.length;
  const K = DESC_PROPERTIES.length;
  const props = new Float32Array(E * DESC_CONST_COLS);
  const hmix = new Float32Array(E * E);
  try {
    elements.forEach((el, i) => {
      const p = elementProperties(el);
      DESC_PROPERTIES.forEach((name, k) => {
        const v = p[name];
        if (v === null || v === undefined) return;
        props[i * DESC_CONST_COLS + k] = v;
        props[i * DESC_CONST_COLS + K + k] = v * v;
        props[i * DESC_CONST_COLS + 2 * K + k] = 1;
      });
    });
    for (let i = 0; i < E; i++) {
      for (let j = 0; j < E; j++) {
        if (i !== j) hmix[i * E + j] = 2 * miedemaBinaryEnthalpy(elements[i], elements[j]);
      }
    }
  } catch (e) {
    if (e instanceof CompositionError)
      throw new InputError(`the descriptor branch needs element properties: ${e.message}`, {
        cause: e,
      });
    throw e;
  }
  return { props, hmix };
}

/** Raw descriptors (n × 15, HV-independent units of src/chem/descriptors.ts) of rows x (n × E). */
export function descriptorRows(elements: readonly string[], x: Float32Array): Float32Array {
  const E = elements.length;
  const n = x.length / E;
  const { props, hmix } = descriptorConstants(elements);
  const out = tf.tidy(() =>
    rawDescriptors(
      tf.tensor3d(x, [1, n, E]),
      tf.tensor3d(props, [1, E, DESC_CONST_COLS]),
      tf.tensor3d(hmix, [1, E, E]),
    ),
  );
  const v = out.dataSync() as Float32Array;
  out.dispose();
  return v;
}

/**
 * Fill every member's descriptor constants and the standardisation (mean and population sd of
 * each descriptor over the rows `fitX`, the train_fit compositions; sd 0 → 1).
 */
export function setDescriptorParams(
  net: VibannModel,
  elements: readonly string[],
  fitX: Float32Array,
): void {
  const { props, hmix } = descriptorConstants(elements);
  const raw = descriptorRows(elements, fitX);
  const n = raw.length / N_DESCRIPTORS;
  const shift = new Float32Array(N_DESCRIPTORS);
  const scale = new Float32Array(N_DESCRIPTORS);
  for (let j = 0; j < N_DESCRIPTORS; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += raw[i * N_DESCRIPTORS + j];
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (raw[i * N_DESCRIPTORS + j] - m) ** 2;
    const sd = Math.sqrt(v / n);
    shift[j] = m;
    scale[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
  }
  const fill = (name: string, v: Float32Array) => {
    const dst = net.values.get(name);
    if (!dst) throw new InputError(`the network has no descriptor branch (no '${name}')`);
    for (let k = 0; k < net.nMembers; k++) dst.set(v, k * v.length);
  };
  fill('desc/props', props);
  fill('desc/hmix', hmix);
  fill('desc/shift', shift);
  fill('desc/scale', scale);
}
