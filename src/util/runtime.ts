/**
 * The numerical backend this process ended up using, recorded by nn/backend.ts when it initialises
 * tfjs and read by the run manifest (util/manifest.ts). Kept free of tfjs imports so that
 * writing a manifest never loads TensorFlow.js; a run that never used the network records none.
 */
export interface BackendRecord {
  /** 'wasm' or 'cpu'. */
  backend: string;
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
  /** tfjs-core version. */
  tfjsVersion: string;
}

let current: BackendRecord | null = null;

export function recordBackend(b: BackendRecord): void {
  current = { backend: b.backend, simd: b.simd, tfjsVersion: b.tfjsVersion };
}

export function recordedBackend(): BackendRecord | null {
  return current;
}
