/**
 * The train run document: `train.json` in the model directory — what `vibann train --json`
 * prints: the model's preset, networks, backend, wall time, per-network training report and data.
 */
import { z } from 'zod';
import type { BackendInfo } from '../nn/backend.ts';
import type { MemberReport } from '../train/trainer.ts';
import { num, readDocument, runFile } from './index.ts';

export interface TrainRunDocument {
  model_dir: string;
  /** Preset name ('default' | 'paper'). */
  preset: string;
  /** Networks in the ensemble (CV folds × seeds). */
  networks: number;
  backend: BackendInfo;
  /** Training wall time, s. */
  wall_s: number;
  /**
   * Worker threads the networks were trained on (`--threads`, at most one per network; absent in
   * documents written before it was recorded).
   */
  threads?: number;
  /** One per network: its training report and the best validation RMSE in HV (weighted). */
  members: (Omit<MemberReport, 'history'> & { best_val_rmse_hv: number })[];
  /** The dataset the model was trained on. */
  data: { file: string; sha256: string; rows: number };
  /**
   * The uncertainty model fitted after training (docs/uncertainty.md): the method the grouped CV
   * chose, its wall time (s) and the comparison table (pooled out-of-fold metrics per method).
   */
  uncertainty?: {
    method: string;
    wall_s: number;
    comparison: ({ method: string } & Record<string, unknown>)[];
  };
}

export const TRAIN_FILE = 'train.json';

export const TrainRunSchema = z.looseObject({
  model_dir: z.string(),
  preset: z.string(),
  networks: z.number().int().positive(),
  backend: z.looseObject({ backend: z.string() }),
  wall_s: z.number(),
  members: z.array(
    z.looseObject({
      member: z.number().int(),
      seed: z.number(),
      epochsRun: z.number().int(),
      bestEpoch: z.number().int(),
      bestValMse: num,
      best_val_rmse_hv: num,
    }),
  ),
  data: z.looseObject({ file: z.string(), sha256: z.string(), rows: z.number() }),
}) as unknown as z.ZodType<TrainRunDocument>;

/** Read `dir/train.json` of a model directory; InputError naming the file and field if malformed. */
export function readTrainRun(dir: string): TrainRunDocument {
  return readDocument(
    runFile(dir, TRAIN_FILE),
    TrainRunSchema,
    "a training summary written by 'vibann train' (train.json)",
  );
}
