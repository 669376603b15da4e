/** Registers every command of the CLI contract (ARCHITECTURE.md) in its documented order. */
import type { Command } from 'commander';
import { register as data } from './data.ts';
import { registerPending } from './pending.ts';
import { register as predict } from './predict.ts';
import { register as structure } from './structure.ts';

export function registerAll(program: Command): void {
  data(program);
  registerPending(program, ['train', 'tune']);
  predict(program);
  registerPending(program, ['evaluate', 'design', 'baselines', 'bo', 'explain', 'latent', 'lofo']);
  structure(program);
  registerPending(program, ['report', 'serve']);
}
