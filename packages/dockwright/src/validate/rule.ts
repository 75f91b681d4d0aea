import type { AnyInstructionKind, DockerfileNode, NodeOfKind, StageNode } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import type { StageReference } from '../ir/stage-graph.js';
import type { EscapeChar } from '../ir/encodability.js';
import type { Severity } from '../errors/diagnostic.js';

/** Where the walker is when it calls a rule. */
export interface Where {
  readonly stage: StageNode;
  readonly stageIndex: number;
  /** True inside an ONBUILD trigger: the instruction runs in another build, not this stage. */
  readonly trigger: boolean;
}

export interface RuleContext {
  readonly file: DockerfileNode;
  readonly escape: EscapeChar;
  /** Where the file came from: builder code (advice names the SDK's calls) or a Dockerfile (advice names instructions). */
  readonly origin: 'code' | 'dockerfile';
  /** The file's literal stage references (see stageReferences), worked out once for every rule that asks (in `end`, from the walk). */
  stageReferences(): readonly StageReference[];
  report(loc: SourceLocation | undefined, message: string): void;
}

type InstructionVisitors = { readonly [K in AnyInstructionKind]?: (node: NodeOfKind<K>, where: Where) => void };

/** What a rule wants to see; the validator walks the file once and calls every rule's hooks. */
export interface Visitor {
  /** Once per file, before the stages. */
  readonly file?: (file: DockerfileNode) => void;
  /** Once per stage, before its instructions (its FROM is visited as an instruction). */
  readonly stage?: (stage: StageNode, index: number) => void;
  /** Once per file, after the stages: `ctx.stageReferences()` is then what the walk gathered. */
  readonly end?: (file: DockerfileNode) => void;
  readonly instruction?: InstructionVisitors;
}

export interface Rule {
  readonly name: string;
  readonly severity: Severity;
  /** The severity for a hand-written Dockerfile (`dockwright lint`), where it differs: BuildKit's own. */
  readonly fileSeverity?: Severity;
  /** One line: what the rule refuses. */
  readonly description: string;
  readonly url: string;
  /** Rules that guard the file's structure cannot be skipped: the printer would refuse anyway. */
  readonly fatal?: boolean;
  /**
   * The printer refuses every value this rule reports (a property test holds it to that), so
   * `synth()` runs the rule only when printing failed, to report the refusal at the user's call.
   */
  readonly printerRefuses?: boolean;
  create(ctx: RuleContext): Visitor;
}

/** BuildKit's documentation page of a check it has too. */
export function buildkitUrl(name: string): string {
  return `https://docs.docker.com/go/dockerfile/rule/${kebab(name)}/`;
}

/** Our own rules' documentation, in the repository's rule catalog. */
export function dockwrightUrl(name: string): string {
  return `https://github.com/dockwright/dockwright/blob/main/docs/rules.md#${name.toLowerCase()}`;
}

function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export function defineRule(rule: Rule): Rule {
  return Object.freeze(rule);
}
