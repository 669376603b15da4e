/**
 * The tune run documents: `tuned.json` (the best network settings of a search, which
 * `vibann train --tuned FILE` applies) and the resumable trial log `study.json` (tune/tpe.ts).
 * One reader each; `train --tuned` and `tune --resume` go through them.
 */
import { z } from 'zod';
import type { StudyJSON } from '../tune/tpe.ts';
import { readDocument, runFile } from './index.ts';

/** The tuned network settings (SPEC §7 search space). */
export interface TunedNetwork {
  /** Latent dimension d. */
  latentDim: number;
  /** Dropout rate of the encoder and hardness head, in [0, 1). */
  dropout: number;
}

/** `tuned.json`. */
export interface TuneRunDocument {
  kind: 'vibann-tuned';
  /** The preset whose other settings were kept. */
  preset: string;
  network: TunedNetwork;
  /** CV validation loss of `network` (standardised HV²). */
  cv_loss: number;
  /** The paper's setting, scored first. */
  reference: { network: TunedNetwork; cv_loss: number };
  /** Complete trials. */
  trials: number;
}

export const TUNED_FILE = 'tuned.json';
export const STUDY_LOG_FILE = 'study.json';

const NetworkSchema = z.looseObject({
  latentDim: z.number().int().positive(),
  dropout: z.number().min(0).max(1),
});

export const TuneRunSchema = z.looseObject({
  kind: z.literal('vibann-tuned'),
  preset: z.string(),
  network: NetworkSchema,
  cv_loss: z.number(),
  reference: z.looseObject({ network: NetworkSchema, cv_loss: z.number() }),
  trials: z.number().int().nonnegative(),
}) as unknown as z.ZodType<TuneRunDocument>;

const TUNED = "a tuned.json written by 'vibann tune'";

/** Read a tuned.json file (e.g. `train --tuned FILE`); InputError naming the file and field. */
export function readTuned(file: string): TuneRunDocument {
  return readDocument(file, TuneRunSchema, TUNED);
}

/** Read `dir/tuned.json` of a tune run. */
export function readTuneRun(dir: string): TuneRunDocument {
  return readTuned(runFile(dir, TUNED_FILE));
}

export const StudyLogSchema = z.looseObject({
  kind: z.literal('vibann-study'),
  version: z.literal(1),
  name: z.string(),
  direction: z.enum(['minimize', 'maximize']),
  sampler: z.looseObject({ kind: z.string() }),
  trials: z.array(
    z.looseObject({
      number: z.number().int(),
      state: z.enum(['running', 'complete', 'fail']),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
      distributions: z.record(
        z.string(),
        z.looseObject({ type: z.enum(['float', 'int', 'categorical']) }),
      ),
      value: z.number().nullable(),
    }),
  ),
}) as unknown as z.ZodType<StudyJSON>;

/** Read a trial log (study.json), e.g. `tune --resume FILE`. */
export function readStudyLog(file: string): StudyJSON {
  return readDocument(file, StudyLogSchema, "a trial log (study.json) written by 'vibann tune'");
}
