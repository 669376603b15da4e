/**
 * Loaded before every test file (see the `test` script). Property tests use a fixed fast-check
 * seed so CI is deterministic; set FC_SEED to another integer (or 'random') to explore further.
 * A failing property prints its seed and counterexample; add the counterexample as a plain test.
 */
import fc from 'fast-check';

const s = process.env.FC_SEED;
if (s !== 'random') fc.configureGlobal({ seed: s === undefined ? 20261122 : Number(s) });
