/** Element symbols, the `Composition` value type and largest-remainder rounding. */
export {
  Composition,
  DEFAULT_EQUALS_TOL,
  type FormulaOptions,
  type FormulaStyle,
} from './composition.ts';
export { atomicNumber, ELEMENTS, isElement } from './elements.ts';
export { largestRemainderRound, largestRemainderUnits, unitsToValue } from './rounding.ts';
