/**
 * Errors with meaning for the CLI: each carries the process exit code it maps to
 * (docs/architecture.md, CLI contract): 1 runtime failure, 2 usage or input error,
 * 3 a design run in which no candidate passed the gates.
 */
export const EXIT = { ok: 0, runtime: 1, input: 2, noCandidate: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class VibannError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.runtime, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VibannError';
    this.exitCode = exitCode;
  }
}

/** Bad input: a file, row, column, formula or argument that is not what was expected (exit 2). */
export class InputError extends VibannError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.input, options);
    this.name = 'InputError';
  }
}

/** A formula that cannot be parsed or is chemically invalid (exit 2). */
export class CompositionError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CompositionError';
  }
}

/** A capability that is registered but not built yet (exit 1). */
export class NotImplementedError extends VibannError {
  constructor(what: string) {
    super(`${what} is not implemented yet in this version of vibann`, EXIT.runtime);
    this.name = 'NotImplementedError';
  }
}
