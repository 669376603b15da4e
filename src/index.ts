/** The vibann library API. */
export * from './chem/index.ts';
export * from './data/index.ts';
export { EXIT, InputError, VibannError } from './util/errors.ts';
export { Rng } from './util/rng.ts';
export { VERSION } from './version.ts';
