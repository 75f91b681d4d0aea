import type { CheckConfig } from '../ir/check-config.js';
import type { Image } from '../builder/stage.js';
import { SynthError } from '../errors/errors.js';
import type { DockerfileNode } from '../ir/nodes/index.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { DockwrightError } from '../errors/errors.js';
import { StageImpl } from '../builder/impl.js';
import { buildDockerfile } from '../builder/to-ir.js';
import { checkMeta } from '../validate/meta.js';
import { rules as allRules } from '../validate/catalog.js';
import type { Rule } from '../validate/rule.js';
import { validate, type ValidateOptions } from '../validate/validate.js';
import { print } from '../print/print.js';

export interface SynthOptions {
  /** Lint configuration; overrides the image's `$dockerfile({ check })`. */
  readonly check?: CheckConfig;
}

/**
 * The Dockerfile text of an image, once validated: throws one `SynthError` (code
 * `synth.invalid`) that carries every diagnostic when any is an error, a value that cannot be
 * printed included (at the user's call); warnings do not stop it (read them with `check()`).
 *
 * @example
 * synth(from('alpine').run('apk add redis').cmd(['redis-server']))
 * // 'FROM alpine\nRUN apk add redis\nCMD ["redis-server"]\n'
 */
export function synth(image: Image | DockerfileNode, options: SynthOptions = {}): string {
  const file = toFile(image);
  // Printing first lets the rules that only repeat the printer's refusals stay out when it printed.
  let text: string | undefined;
  let refusal: DockwrightError | undefined;
  try {
    text = print(file);
  } catch (error) {
    if (!(error instanceof DockwrightError)) throw error;
    refusal = error;
  }
  const ruleOptions: ValidateOptions = text === undefined ? options : { check: options.check, rules: RULES_AFTER_PRINTING };
  const found = validate(file, ruleOptions);
  const meta = metaDiagnostics(image);
  const diagnostics = meta.length === 0 ? found : [...found, ...meta];
  if (diagnostics.some((d) => d.severity === 'error')) throw new SynthError(diagnostics);
  if (refusal !== undefined) throw refusal;
  return text!;
}

/** The rules with something to say once the file printed. */
const RULES_AFTER_PRINTING: readonly Rule[] = Object.freeze(allRules.filter((r) => !r.printerRefuses));

/** Every diagnostic for an image (errors and warnings), without printing it. */
export function check(image: Image | DockerfileNode, options: SynthOptions = {}): Diagnostic[] {
  return [...validate(toFile(image), options), ...metaDiagnostics(image)];
}

/** The image's `$meta()` names and tags, checked where `$meta()` was called. */
function metaDiagnostics(image: Image | DockerfileNode): Diagnostic[] {
  if (!(image instanceof StageImpl) || (image.meta.tags === undefined && image.meta.name === undefined)) return [];
  return checkMeta(image.meta, image.metaLoc);
}

/** The file to check and print: a builder's image as it is assembled, unfrozen (nothing here hands it out). */
function toFile(image: Image | DockerfileNode): DockerfileNode {
  if (image instanceof StageImpl) return buildDockerfile(image);
  return 'kind' in image && image.kind === 'dockerfile' ? image : (image as Image).toIR();
}
