import type { CheckConfig } from '../ir/check-config.js';
import type { AnyInstructionNode, DockerfileNode } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { rules as allRules } from './catalog.js';
import { checkSettings, type CheckSettings } from './config.js';
import type { Diagnostic, Severity } from '../errors/diagnostic.js';
import type { Rule, RuleContext, Visitor, Where } from './rule.js';

export interface ValidateOptions {
  /** Overrides the file's `# check=` directive. */
  readonly check?: CheckConfig;
  /** `dockerfile` for a file read by `parse()`: messages then speak Dockerfile, not the builder's API (default `code`). */
  readonly origin?: 'code' | 'dockerfile';
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
  const settings = file.directives.check === undefined && options.check === undefined ? DEFAULT_SETTINGS : checkSettings(file.directives.check, options.check);
  const diagnostics: Diagnostic[] = [];
  const visitors: Visitor[] = [];
  const hooks: Partial<Record<string, Hook[]>> = {};
  // A node without a location (hand-made IR) is reported at the from() of its stage.
  let fallbackLoc: SourceLocation | undefined = file.loc;
  const escape = file.directives.escape ?? '\\';

  for (const rule of options.rules ?? allRules) {
    if (!rule.fatal && (settings.skip === 'all' || settings.skip.has(rule.name))) continue;
    const base = options.origin === 'dockerfile' ? (rule.fileSeverity ?? rule.severity) : rule.severity;
    const severity: Severity = settings.error ? 'error' : base;
    const ctx: RuleContext = {
      file,
      escape,
      origin: options.origin ?? 'code',
      report: (loc, message) => diagnostics.push(Object.freeze({ rule: rule.name, severity, message, url: rule.url, loc: loc ?? fallbackLoc })),
    };
    const visitor = rule.create(ctx);
    visitors.push(visitor);
    for (const kind of instructionKindsOf(rule, visitor)) {
      (hooks[kind] ??= []).push(visitor.instruction![kind as AnyInstructionNode['kind']] as Hook);
    }
  }

  for (const visitor of visitors) visitor.file?.(file);
  const visit = (node: AnyInstructionNode, where: Where): void => {
    const list = hooks[node.kind];
    if (list !== undefined) for (const hook of list) hook(node, where);
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

const DEFAULT_SETTINGS: CheckSettings = checkSettings(undefined, undefined);

/** The instruction kinds a rule visits never change, so they are read once per rule. */
const kindsByRule = new WeakMap<Rule, readonly string[]>();

function instructionKindsOf(rule: Rule, visitor: Visitor): readonly string[] {
  let kinds = kindsByRule.get(rule);
  if (kinds === undefined) {
    kinds = Object.keys(visitor.instruction ?? {});
    kindsByRule.set(rule, kinds);
  }
  return kinds;
}
