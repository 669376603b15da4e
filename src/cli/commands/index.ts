/** Registers every command of the CLI contract (docs/architecture.md) in its documented order. */
import type { Command } from 'commander';
import { register as baselines } from './baselines.ts';
import { register as bo } from './bo.ts';
import { register as data } from './data.ts';
import { register as design } from './design.ts';
import { register as designSeeds } from './design-seeds.ts';
import { register as evaluate } from './evaluate.ts';
import { register as explain } from './explain.ts';
import { register as latent } from './latent.ts';
import { register as lofo } from './lofo.ts';
import { register as predict } from './predict.ts';
import { register as report } from './report.ts';
import { register as serve } from './serve.ts';
import { register as shift } from './shift.ts';
import { register as structure } from './structure.ts';
import { register as train } from './train.ts';
import { register as tune } from './tune.ts';
import { register as worker } from './worker.ts';

export function registerAll(program: Command): void {
  data(program);
  train(program);
  tune(program);
  predict(program);
  evaluate(program);
  design(program);
  designSeeds(program);
  baselines(program);
  bo(program);
  explain(program);
  latent(program);
  lofo(program);
  shift(program);
  structure(program);
  report(program);
  serve(program);
  worker(program);
}
