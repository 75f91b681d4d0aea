/** The `# check=` directive: BuildKit's lint configuration, honoured by `check()` and `synth()`. */
export interface CheckConfig {
  /** Rule names to skip, or `'all'`. */
  readonly skip?: readonly string[] | 'all';
  /** Report warnings as errors. */
  readonly error?: boolean;
}
