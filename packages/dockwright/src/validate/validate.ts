import type { CheckConfig } from '../ir/check-config.js';
import type { AnyInstructionNode, DockerfileNode } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { fromReference, instructionReferences, stageReferences, type StageReference } from '../ir/stage-graph.js';
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
  const plan = planFor(options.rules ?? allRules, settings, options.origin ?? 'code');
  plan.busy = true;
  try {
    return plan.run(file);
  } finally {
    plan.busy = false;
  }
}

/**
 * The rules of one rule set and configuration, created once and reused for every file: the
 * visitors, and the hooks of each instruction kind. A rule keeps per-file state in what its
 * `file` and `stage` hooks set up; reading `ctx.file` or `ctx.escape` outside a hook throws.
 */
interface Plan {
  busy: boolean;
  run(file: DockerfileNode): Diagnostic[];
}

function makePlan(ruleSet: readonly Rule[], settings: CheckSettings, origin: 'code' | 'dockerfile'): Plan {
  let current: DockerfileNode | undefined;
  let diagnostics: Diagnostic[] = [];
  // A node without a location (hand-made IR) is reported at the from() of its stage.
  let fallbackLoc: SourceLocation | undefined;
  let references: readonly StageReference[] | undefined;
  const inRun = (what: string): DockerfileNode => {
    if (current === undefined) throw new Error(`dockwright: a rule read ctx.${what} outside a hook; read it in file(), stage() or an instruction hook`);
    return current;
  };
  const visitors: Visitor[] = [];
  const hooks: Partial<Record<string, Hook[]>> = {};
  for (const rule of ruleSet) {
    if (!rule.fatal && (settings.skip === 'all' || settings.skip.has(rule.name))) continue;
    const base = origin === 'dockerfile' ? (rule.fileSeverity ?? rule.severity) : rule.severity;
    const severity: Severity = settings.error ? 'error' : base;
    const ctx: RuleContext = {
      get file() {
        return inRun('file');
      },
      get escape() {
        return inRun('escape').directives.escape ?? '\\';
      },
      origin,
      stageReferences: () => (references ??= stageReferences(inRun('stageReferences'))),
      report: (loc, message) => diagnostics.push(Object.freeze({ rule: rule.name, severity, message, url: rule.url, loc: loc ?? fallbackLoc })),
    };
    const visitor = rule.create(ctx);
    visitors.push(visitor);
    for (const [kind, hook] of Object.entries(visitor.instruction ?? {})) (hooks[kind] ??= []).push(hook as Hook);
  }
  const fileHooks = visitors.flatMap((v) => (v.file ? [v.file] : []));
  const stageHooks = visitors.flatMap((v) => (v.stage ? [v.stage] : []));
  const endHooks = visitors.flatMap((v) => (v.end ? [v.end] : []));
  // The walk gathers the stage references as it goes, for the rules that read them at the end
  // (without such a rule it gathers nothing; a rule that asks earlier gets them worked out).
  const gathers = endHooks.length > 0;
  let walked: StageReference[] = [];
  const visit = (node: AnyInstructionNode, where: Where): void => {
    const kind = node.kind;
    const list = hooks[kind];
    if (list !== undefined) for (const hook of list) hook(node, where);
    if (kind === 'copy' || kind === 'run' || kind === 'onbuild') {
      if (gathers && !where.trigger) instructionReferences(node, where.stageIndex, walked);
      if (kind === 'onbuild') visit(node.trigger, { ...where, trigger: true });
    }
  };
  return {
    busy: false,
    run(file) {
      current = file;
      references = undefined;
      diagnostics = [];
      fallbackLoc = file.loc;
      walked = [];
      try {
        for (const hook of fileHooks) hook(file);
        const stages = file.stages;
        let earlier: Set<string> | undefined;
        for (let stageIndex = 0; stageIndex < stages.length; stageIndex++) {
          const stage = stages[stageIndex]!;
          fallbackLoc = stage.from.loc ?? file.loc;
          for (const hook of stageHooks) hook(stage, stageIndex);
          const where: Where = { stage, stageIndex, trigger: false };
          if (gathers) earlier = fromReference(stage.from, stageIndex, earlier, walked);
          visit(stage.from, where);
          const instructions = stage.instructions;
          for (let i = 0; i < instructions.length; i++) visit(instructions[i]!, where);
        }
        fallbackLoc = file.loc;
        if (gathers) references ??= walked;
        for (const hook of endHooks) hook(file);
        return diagnostics;
      } finally {
        current = undefined;
      }
    },
  };
}

const DEFAULT_SETTINGS: CheckSettings = checkSettings(undefined, undefined);

const plans = new WeakMap<readonly Rule[], Map<string, Plan>>();

/** The plan of a rule set (read once: change a set by passing a new array) and a configuration. */
function planFor(ruleSet: readonly Rule[], settings: CheckSettings, origin: 'code' | 'dockerfile'): Plan {
  // The same call again (synth() of image after image): no lookups.
  if (last?.ruleSet === ruleSet && last.settings === settings && last.origin === origin && !last.plan.busy) return last.plan;
  const plan = lookUpPlan(ruleSet, settings, origin);
  if (settings === DEFAULT_SETTINGS) last = { ruleSet, settings, origin, plan };
  return plan;
}

let last: { readonly ruleSet: readonly Rule[]; readonly settings: CheckSettings; readonly origin: string; readonly plan: Plan } | undefined;

function lookUpPlan(ruleSet: readonly Rule[], settings: CheckSettings, origin: 'code' | 'dockerfile'): Plan {
  const key = settings === DEFAULT_SETTINGS ? origin : `${origin} ${settings.error} ${settings.skip === 'all' ? '*' : [...settings.skip].sort().join(',')}`;
  let byKey = plans.get(ruleSet);
  if (byKey === undefined) plans.set(ruleSet, (byKey = new Map()));
  const plan = byKey.get(key);
  if (plan !== undefined && !plan.busy) return plan;
  // Busy: a rule validates another file while this one runs; that one gets its own plan.
  const made = makePlan(ruleSet, settings, origin);
  if (plan === undefined) byKey.set(key, made);
  return made;
}
