/** The VIBANN network: backend, options, parameters, forward pass, noise, save/load. */
export { type BackendInfo, type BackendName, backendInfo, initBackend } from './backend.ts';
export {
  type LoadedModel,
  loadModel,
  MODEL_SCHEMA_VERSION,
  type ModelManifest,
  saveModel,
} from './io.ts';
export { fastGroupedMatMul, groupedMatMul, groupedMatMulReference } from './kernels.ts';
export {
  type BatchStat,
  decodeLog,
  type EncodeOutput,
  encode,
  type ForwardConfig,
  type ForwardOutput,
  forward,
  hardnessFromLatent,
  type Net,
  type NetInputs,
  type Noise,
} from './model.ts';
export { deriveSeed, fillKeepMask, fillNormal } from './noise.ts';
export {
  type Bottleneck,
  defaultVibannOptions,
  type LoadJoin,
  resolveVibannOptions,
  type VibannOptions,
} from './options.ts';
export {
  architecture,
  type ParamSpec,
  paramSpecs,
  VibannModel,
  type VibannModelJSON,
} from './params.ts';
export { disposeNoise, dropoutBlocks, mcNoise, trainingNoise } from './sampling.ts';
