/** Element symbols, the `Composition` value type and largest-remainder rounding. */
export {
  Composition,
  DEFAULT_EQUALS_TOL,
  type FormulaOptions,
  type FormulaStyle,
} from './composition.ts';
export {
  type CompositionDescriptors,
  compositionDescriptors,
  DESCRIPTOR_FEATURES,
  descriptorVector,
  elementProperties,
  type Fractions,
  GAS_CONSTANT,
  hasElementProperties,
  miedemaBinaryEnthalpy,
  type WeightedStat,
} from './descriptors.ts';
export { atomicNumber, ELEMENTS, isElement } from './elements.ts';
export { largestRemainderRound, largestRemainderUnits, unitsToValue } from './rounding.ts';
export type { ElementProperties, MiedemaParameters } from './tables/element-properties.ts';
