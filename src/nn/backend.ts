/**
 * TensorFlow.js backend setup (docs/dependencies.md pitfall 5): prod mode, the `wasm` backend with
 * SIMD where the runtime supports it, falling back to `cpu` with a warning. The chosen backend is
 * returned so that every result can record it (results are reproducible within a backend).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { recordBackend } from '../util/runtime.ts';
import * as tf from './tf.ts';

export type BackendName = 'wasm' | 'cpu';

export interface BackendInfo {
  /** The active tfjs backend. */
  backend: BackendName;
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
  /** wasm only: whether the multi-threaded build is in use (Node: not available). */
  threads?: boolean;
  /** wasm only: number of threads of the wasm module (1 without the threaded build). */
  threadsCount?: number;
  /** tfjs-core version. */
  tfjsVersion: string;
  /** Why the preferred backend was not used, when it was not. */
  fallbackReason?: string;
}

let current: BackendInfo | null = null;
let wasmPathsSet = false;

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return `${join(dirname(pkg), 'dist')}/`;
}

/**
 * Select and initialise a backend. `preferred` defaults to the `VIBANN_BACKEND` environment
 * variable, else `wasm`. A wasm failure falls back to `cpu` and prints one warning on stderr.
 * Idempotent: a second call with the same preference returns the recorded info.
 */
export async function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  const envPref = process.env.VIBANN_BACKEND;
  const want: BackendName = preferred ?? (envPref === 'cpu' ? 'cpu' : 'wasm');
  if (current && current.backend === want && tf.getBackend() === want) return current;
  tf.enableProdMode();
  const tfjsVersion = tf.version_core;
  if (want === 'wasm') {
    try {
      if (!wasmPathsSet) {
        setWasmPaths(wasmDistDir());
        wasmPathsSet = true;
      }
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('tf.setBackend("wasm") returned false');
      await tf.ready();
      current = {
        backend: 'wasm',
        simd,
        threads,
        threadsCount: getThreadsCount(),
        tfjsVersion,
      };
      recordBackend(current);
      return current;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      process.stderr.write(`vibann: warning: wasm backend unavailable (${reason}); using cpu\n`);
      await tf.setBackend('cpu');
      await tf.ready();
      current = { backend: 'cpu', tfjsVersion, fallbackReason: reason };
      recordBackend(current);
      return current;
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  current = { backend: 'cpu', tfjsVersion };
  recordBackend(current);
  return current;
}

/** The info of the last `initBackend` call, or null before any. */
export function backendInfo(): BackendInfo | null {
  return current;
}
