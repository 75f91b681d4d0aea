import type { CheckConfig } from '../builder/options.js';
import type { AnyInstructionNode, DockerfileNode } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { rules as allRules } from './catalog.js';
import { checkSettings } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import type { Rule, RuleContext, Visitor, Where } from './rule.js';

export interface ValidateOptions {
  /** Overrides the file's `# check=` directive. */
  readonly check?: CheckConfig;
  /** The rules to run (default: all). */
  readonly rules?: readonly Rule[];
}

type Hook = (node: AnyInstructionNode, where: Where) => void;

/**
 * Runs every rule over the file in one walk and returns all diagnostics, in file order.
 * Rules skipped by the `check` configuration do not run, unless they guard the file's structure.
 * Global ARGs belong to no stage: rules that care read them in their `file` hook.
 */
export function validate(file: DockerfileNode, options: ValidateOptions = {}): Diagnostic[] {
  const settings = checkSettings(file.directives.check, options.check);
  const diagnostics: Diagnostic[] = [];
  const visitors: Visitor[] = [];
  // A node without a location (hand-made IR) is reported at the from() of its stage.
  let fallbackLoc: SourceLocation | undefined = file.loc;
  const hooks = new Map<string, Hook[]>();

  for (const rule of options.rules ?? allRules) {
    const skipped = settings.skip === 'all' || settings.skip.has(rule.name);
    if (skipped && !rule.fatal) continue;
    const severity = settings.error ? 'error' : rule.severity;
    const ctx: RuleContext = {
      file,
      escape: file.directives.escape ?? '\\',
      report: (loc: SourceLocation | undefined, message: string) =>
        diagnostics.push(Object.freeze({ rule: rule.name, severity, message, url: rule.url, loc: loc ?? fallbackLoc })),
    };
    const visitor = rule.create(ctx);
    visitors.push(visitor);
    for (const [kind, hook] of Object.entries(visitor.instruction ?? {})) {
      if (!hooks.has(kind)) hooks.set(kind, []);
      hooks.get(kind)!.push(hook as Hook);
    }
  }

  for (const visitor of visitors) visitor.file?.(file);
  const visit = (node: AnyInstructionNode, where: Where): void => {
    const list = hooks.get(node.kind);
    if (list) for (const hook of list) hook(node, where);
    if (node.kind === 'onbuild') visit(node.trigger, { ...where, trigger: true });
  };
  file.stages.forEach((stage, stageIndex) => {
    fallbackLoc = stage.from.loc ?? file.loc;
    for (const visitor of visitors) visitor.stage?.(stage, stageIndex);
    const where: Where = { stage, stageIndex, trigger: false };
    visit(stage.from, where);
    for (const node of stage.instructions) visit(node, where);
  });
  return diagnostics;
}
