/**
 * Errors across a thread or machine boundary: a job's error travels as plain data (name, message,
 * exit code, stack) and is rebuilt on the other side as the same kind of error, so an input error
 * on a worker is still an InputError (exit 2) where the study runs.
 */
import { EXIT, type ExitCode, InputError, VibannError } from '../util/errors.ts';

export interface SerializedError {
  name: string;
  message: string;
  exitCode?: number;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const exitCode = e instanceof VibannError ? e.exitCode : undefined;
    return { name: e.name, message: e.message, exitCode, stack: e.stack };
  }
  return { name: 'Error', message: String(e) };
}

/** The error `s` describes: InputError for exit code 2, else a VibannError of the same name. */
export function deserializeError(s: SerializedError, where?: string): VibannError {
  const message = where ? `${s.message} (${where})` : s.message;
  const e =
    s.exitCode === EXIT.input
      ? new InputError(message)
      : new VibannError(message, (s.exitCode as ExitCode | undefined) ?? EXIT.runtime);
  if (s.name && s.name !== 'Error') e.name = s.name;
  if (s.stack) e.stack = `${e.name}: ${message}\n    (remote) ${s.stack}`;
  return e;
}
