/**
 * dockwright: Dockerfile-as-code for TypeScript.
 *
 * @example
 * import { from, synth } from 'dockwright';
 * synth(from('alpine').run('apk add redis').cmd(['redis-server']));
 */
export * from './builder/index.js';
export { synth, check } from './synth/synth.js';
export type { SynthOptions } from './synth/synth.js';
export { print, printWithSteps } from './print/print.js';
export type { PrintedStep } from './print/print.js';
export { validate } from './validate/validate.js';
export type { ValidateOptions } from './validate/validate.js';
export { rules } from './validate/catalog.js';
export type { Rule } from './validate/rule.js';
export { formatDiagnostic } from './errors/diagnostic.js';
export type { Diagnostic, Severity } from './errors/diagnostic.js';
export { parseCheckDirective } from './validate/config.js';
export { ErrorCode, DockwrightError, ParseError, SynthError } from './errors/index.js';
export type * as ir from './ir/index.js';
export type { SourceLocation, Text, TextNode, StageReference, DockerfileNode, StageNode, InstructionNode, AnyInstructionNode } from './ir/index.js';
export { stageReferences, resolveStage, textToDisplay, isAutomaticArg, ONCE_PER_STAGE } from './ir/index.js';
export { buildDifference } from './ir/compare.js';
export { parseRaw } from './parse/raw.js';
export type { RawDockerfile, RawNode, RawHeredoc, RawDirective } from './parse/raw.js';
export { dump } from './parse/dump.js';
export { processWord, processWords, wordParts, ShellError } from './parse/shell.js';
export type { WordPart } from './parse/shell.js';
export { parse } from './parse/to-ir.js';
export type { ParsedDockerfile } from './parse/to-ir.js';
export { lint } from './validate/lint.js';
export { isImageReference, tagProblem } from './validate/reference.js';
export type { LintOptions } from './validate/lint.js';
export { textRules } from './validate/text-rules.js';
export type { TextRule } from './validate/text-rules.js';
export { BANNER_TEXT } from './ir/banner.js';
