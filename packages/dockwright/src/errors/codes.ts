/**
 * Every error code the project throws. Codes are the contract: tests and callers match on them,
 * never on message prose. New codes are added here and nowhere else.
 */
export const ErrorCode = {
  /** synth() found error-severity diagnostics; they are on `error.diagnostics`. */
  SynthInvalid: 'synth.invalid',
  /** The printer met a value it cannot encode; validation should have refused it first. */
  SynthUnencodable: 'synth.unencodable',
  /** A builder method was called with an argument of the wrong type (JavaScript callers). */
  BuilderInvalidArgument: 'builder.invalidArgument',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
