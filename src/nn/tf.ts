/**
 * The tfjs-core entry point used by vibann: the core ops, the cpu backend (always available as
 * the fallback) and the gradients of the kernels we differentiate through (the lean tfjs-core
 * Node bundle registers none; see gradients.ts). Import tfjs from here, not directly.
 */
import '@tensorflow/tfjs-backend-cpu';
import { registerVibannGradients } from './gradients.ts';

registerVibannGradients();

export * from '@tensorflow/tfjs-core';
