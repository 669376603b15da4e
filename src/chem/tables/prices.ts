/**
 * Element prices for the raw-material cost of a designed alloy (issue 13), USD per kg of the
 * element. NOT live market data: every value is copied from a readable public source, with its
 * year; prices of minor metals move by factors of 2–5 within a few years, so a cost computed from
 * this table is an order-of-magnitude screen ("is this alloy 20 or 2000 USD/kg?"), not a quote.
 *
 * Main source — pymatgen's element cost table, `pymatgen/analysis/costdb_elements.csv`
 * (materialsproject/pymatgen, commit 812a0dd712149fdd07d1423a51304554f8ba17b9, MIT licence), which
 * records per element a price in USD/kg and its own citation: "Wolfram Alpha, September 2013"
 * for most metals, "Wikipedia, Prices of elements and their compounds, September 2013" for C, Ir,
 * P, Sc and "… August 2019" for Ba. The table does not state the form (purity, metal vs alloy);
 * for the base and minor metals the values match commodity-metal prices of 2013 (e.g. Co 36, Ni
 * 23, Mo 34, W 47, Re 4669 USD/kg), for the rare earths they are metal prices (La/Ce 350, Nd 450),
 * for the precious metals bullion (Pt 49 384, Au 45 387 USD/kg). Basis: `commodity` below.
 *
 * Values of that table that are clearly NOT prices of the element in a form used for alloying are
 * marked `basis: 'ore_or_compound'` — far below any metal price, probably the price of the ore or
 * mineral (zircon sand ≈ 2.6 USD/kg, barite 0.26, celestite 1.2) — and a cost that uses one of
 * them is flagged as a lower bound (`lower_bound` in `alloyCost`).
 *
 * Two elements take another source because the pymatgen value is not a price of the element as
 * it is alloyed:
 * - Fe: pymatgen lists 0.0297 USD/kg (iron ore). Iron enters an industrial melt as steel or
 *   low-carbon iron, so Fe takes the hot-rolled steel price of USGS Mineral Commodity Summaries
 *   2011, "Iron and Steel Scrap" (p. 81): 626–754 USD per metric ton during 2010, midpoint
 *   690 USD/t = 0.69 USD/kg. Basis `commodity` (steel as the carrier of iron units); high-purity
 *   lab iron costs more, and at 0.69 USD/kg iron is a negligible share of every boride's cost.
 * - B: pymatgen lists 0.87 USD/kg (boric acid or borax level). Boron takes instead the Shanghai
 *   Metals Market price of crystalline boron, 16 500 CNY/kg on 14 Dec 2016 = 2386 USD/kg, as listed
 *   by leonland.de "Elements by price" (http://leonland.de/elements_by_price/list, SMM, 2016) — a
 *   high-purity (lab-grade) basis, `lab_grade`. This price dominates the cost of every boron-rich
 *   design (B61Fe20Nb19: 19 wt.% B → 444 of its 456 USD/kg). An industrial Fe-based glass would
 *   take its boron from ferroboron (FeB, 17.5–20 wt.% B; Wikipedia "Ferroboron"), paying for the
 *   Fe carried along too; no ferroboron price could be read for this project (offline sources
 *   only), so that cheaper basis is NOT used and costs of boron-rich alloys are upper-end,
 *   lab-scale figures (docs/design.md, "Cost basis").
 *
 * U: no source read for this project → `null` (unknown); `--max-cost` refuses every candidate
 * containing an element with an unknown price (design/pipeline.ts).
 */

export type PriceBasis =
  /** Commodity metal (or bullion) price as listed by the source. */
  | 'commodity'
  /** High-purity / lab-grade element. */
  | 'lab_grade'
  /** Value far below a metal price: ore, mineral or compound price — a lower bound for the metal. */
  | 'ore_or_compound';

export interface ElementPrice {
  /** USD per kg of the element; null when no source could be read. */
  usd_per_kg: number | null;
  basis: PriceBasis | 'unknown';
  /** Short citation (full citations in the module comment). */
  source: string;
  /** Year of the price. */
  year: number | null;
}

const PYMATGEN = 'pymatgen costdb_elements.csv (Wolfram Alpha)';
const PYMATGEN_WIKI = 'pymatgen costdb_elements.csv (Wikipedia)';
const c = (usd: number, year = 2013, source = PYMATGEN): ElementPrice => ({
  usd_per_kg: usd,
  basis: 'commodity',
  source,
  year,
});
const ore = (usd: number, year = 2013, source = PYMATGEN): ElementPrice => ({
  usd_per_kg: usd,
  basis: 'ore_or_compound',
  source,
  year,
});

/** Prices of the reference dataset's 56 elements (pymatgen values rounded to 4 significant digits). */
export const ELEMENT_PRICES: Readonly<Record<string, ElementPrice>> = Object.freeze({
  Ag: c(780.9),
  Al: c(2.46),
  Au: c(45390),
  B: {
    usd_per_kg: 2386,
    basis: 'lab_grade',
    source: 'leonland.de (SMM crystalline boron)',
    year: 2016,
  },
  Ba: ore(0.2605, 2019, PYMATGEN_WIKI),
  Be: c(448.0),
  Bi: c(25.31),
  C: c(24, 2013, PYMATGEN_WIKI),
  Ca: c(4.85),
  Ce: c(350.1),
  Co: c(36.09),
  Cr: c(2.681),
  Cu: c(8.951),
  Dy: c(500.0),
  Er: c(725.1),
  Fe: c(
    0.69,
    2010,
    'USGS Mineral Commodity Summaries 2011, Iron and Steel Scrap (hot-rolled steel)',
  ),
  Ga: c(688.1),
  Gd: c(399.9),
  Ge: c(1450),
  Hf: c(544.1),
  Ho: c(1200),
  In: c(720.0),
  Ir: c(42000, 2013, PYMATGEN_WIKI),
  La: c(350.1),
  Li: c(3.869),
  Lu: c(7500),
  Mg: c(4.96),
  Mn: c(1.46),
  Mo: c(34.11),
  Nb: c(23.19),
  Nd: c(450.0),
  Ni: c(22.88),
  P: c(300, 2013, PYMATGEN_WIKI),
  Pb: c(2.69),
  Pd: c(23040),
  Pr: c(539.9),
  Pt: c(49380),
  Re: c(4669),
  Rh: c(19930),
  Ru: c(1511),
  Sc: c(14000, 2013, PYMATGEN_WIKI),
  Si: c(1.554),
  Sm: c(300.0),
  Sn: c(34.7),
  Sr: ore(1.16),
  Ta: c(336.0),
  Tb: c(1300),
  Ti: c(14.76),
  Tm: c(6499),
  U: { usd_per_kg: null, basis: 'unknown', source: 'no source read', year: null },
  V: c(26.61),
  W: c(46.69),
  Y: c(450.0),
  Yb: c(1600),
  Zn: c(2.339),
  Zr: ore(2.65),
});

/** The price record of an element (unknown for an element outside the table). */
export function elementPrice(symbol: string): ElementPrice {
  return (
    ELEMENT_PRICES[symbol] ?? {
      usd_per_kg: null,
      basis: 'unknown',
      source: 'not in the price table',
      year: null,
    }
  );
}
