/** Training of stacked VIBANN ensembles (SPEC §4). */
export { type AdamOptions, DEFAULT_ADAM, StackedAdam } from './adam.ts';
export { BetaController, type BetaOptions, DEFAULT_BETA } from './beta.ts';
export { type LossBatch, type LossTerms, lossTerms, rowXlogX } from './loss.ts';
export { type Preset, type PresetName, preset, quickCaps, type TrainHyper } from './presets.ts';
export {
  type EpochEvent,
  type EpochRecord,
  initEnsemble,
  type MemberPlan,
  type MemberReport,
  memberSeeds,
  type TrainingArrays,
  type TrainOptions,
  type TrainResult,
  trainEnsemble,
} from './trainer.ts';
