/**
 * The 118 chemical element symbols (IUPAC, hydrogen to oganesson) in atomic-number order.
 *
 * Symbols are case-sensitive: 'Cu' is an element, 'CU' and 'cu' are not.
 */
import { CompositionError } from '../util/errors.ts';

/** Element symbols in atomic-number order: `ELEMENTS[z - 1]` is the symbol of atomic number z. */
export const ELEMENTS: readonly string[] = Object.freeze(
  (
    'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge ' +
    'As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm ' +
    'Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U ' +
    'Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
  ).split(' '),
);

const ATOMIC_NUMBER: ReadonlyMap<string, number> = new Map(ELEMENTS.map((s, i) => [s, i + 1]));

/** True when `sym` is one of the 118 element symbols (exact case). */
export function isElement(sym: string): boolean {
  return ATOMIC_NUMBER.has(sym);
}

/** Atomic number of an element symbol; throws `CompositionError` "Unknown element 'Xx'" otherwise. */
export function atomicNumber(sym: string): number {
  const z = ATOMIC_NUMBER.get(sym);
  if (z === undefined) throw new CompositionError(`Unknown element '${sym}'`);
  return z;
}
