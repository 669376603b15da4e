/**
 * The ensemble as a plain function of its inputs for the interpretability tools (SPEC §11):
 * f(x, ℓ) = mean over the M networks of their inference-mode prediction (BatchNorm frozen, no
 * MC dropout, z = μ) in HV, its gradient with respect to the composition x and the load
 * coordinate ℓ, and the attention weights (mean over heads and networks).
 *
 * A thin adapter over the model's ensemble view (model/view.ts, physical units): the only thing
 * it adds is the load axis. Integrated gradients integrate along straight lines in the network's
 * own load coordinate ℓ (standardised L or ln L, the view's `loadCoordinate`), so this function
 * takes ℓ and reports ∂f/∂ℓ = ∂f/∂L · dL/dℓ.
 */
import type { HardnessModel } from '../model/hardness-model.ts';
import { InputError } from '../util/errors.ts';

export interface EnsembleFunction {
  readonly elements: readonly string[];
  /** Networks in the ensemble. */
  readonly members: number;
  /** Standardised load ℓ of a load in N. */
  standardLoad(loadN: number): number;
  /** f(x, ℓ) in HV for n rows: x is n × E fractions, ℓ standardised loads. */
  value(x: ArrayLike<number>, load: ArrayLike<number>): Float64Array;
  /** f and its gradient: ∂f/∂x (n × E, HV per unit fraction) and ∂f/∂ℓ (n, HV per standardised unit). */
  valueAndGrad(
    x: ArrayLike<number>,
    load: ArrayLike<number>,
  ): { f: Float64Array; gx: Float64Array; gl: Float64Array };
  /** Attention per element (mean over heads and networks), n × E; null without attention heads. */
  attention(x: ArrayLike<number>, load: ArrayLike<number>): Float64Array | null;
  dispose(): void;
}

export function ensembleFunction(model: HardnessModel): EnsembleFunction {
  const view = model.ensembleView();
  const coord = view.loadCoordinate;
  const E = view.elements.length;
  let disposed = false;
  /** Loads in N of the coordinates ℓ (after checking the shapes). */
  const loadsOf = (x: ArrayLike<number>, load: ArrayLike<number>): Float64Array => {
    if (disposed) throw new InputError('explain: the ensemble function was disposed');
    if (x.length !== load.length * E)
      throw new InputError(
        `explain: ${x.length} composition values for ${load.length} rows × ${E}`,
      );
    return Float64Array.from(load as ArrayLike<number>, (l) => coord.load(l));
  };

  return {
    elements: view.elements,
    members: view.members,
    standardLoad: (L) => coord.of(L),
    value: (x, load) => view.hardness(x, loadsOf(x, load)),
    valueAndGrad(x, load) {
      const L = loadsOf(x, load);
      const g = view.hardnessGrad(x, L);
      const gl = Float64Array.from(L, (Li, i) => g.dLoad[i] / coord.slope(Li));
      return { f: g.hv, gx: g.dx, gl };
    },
    attention(x, load) {
      const L = loadsOf(x, load);
      return view.hasAttention ? view.attention(x, L) : null;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      view.dispose();
    },
  };
}
