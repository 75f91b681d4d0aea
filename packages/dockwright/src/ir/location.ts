/** Where a node came from: the user's call site for builder code, a line range for parsed files. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Last line, for nodes that came from a parsed file and span several lines. */
  readonly endLine?: number;
}
