// The ways laying out a C type fails, as the user is told of them. They cross a bundle boundary
// (the C type engine is its own bundle, loaded on first use: src/services/cTypes.ts), where `instanceof`
// against another bundle's copy of a class is false: so each carries its name, and the guards here
// test the name.

export interface CompilerMessage {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

/** The compiler refused the file or the probe: its own words, and where. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    message: string,
    readonly messages: CompilerMessage[],
    readonly output: string,
  ) {
    super(message);
  }
}

/** No compiler at the configured command. */
export class CompilerMissing extends Error {
  override readonly name = 'CompilerMissing';
}

/** The type cannot be laid out (not declared, not complete, nothing to show): said in words. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
}

export function isCompileError(error: unknown): error is CompileError {
  return error instanceof Error && error.name === 'CompileError' && Array.isArray((error as CompileError).messages);
}

export function isCompilerMissing(error: unknown): error is CompilerMissing {
  return error instanceof Error && error.name === 'CompilerMissing';
}
