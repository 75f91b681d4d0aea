import type { ArgNode, Directives, DockerfileNode, FromNode, InstructionNode, StageNode } from '../ir/nodes/index.js';
import { isAutomaticArg, type Text } from '../ir/text.js';
import { DeferredInstruction, isStage, stateOf, type StageHead, type StageState } from './state.js';
import type { CheckConfig, ImageMeta, StageLike } from './options.js';
import { argRefsOf, type ArgRef } from './refs.js';

/**
 * Assembles the Dockerfile of `image`: the stages it needs in dependency order, each named when
 * another refers to it, the global ARGs its FROM lines use, and its parser directives. The IR is
 * not frozen yet (see `freezeTree`): `synth()` reads it as it is, `toIR()` freezes it.
 * A stage that carries image metadata (name or tags) is a separate image: it is referred to by
 * its tag and built on its own, not inlined.
 */
export function buildDockerfile(image: StageLike): DockerfileNode {
  const order = stagesInOrder(image);
  const names = nameStages(order, image);
  const nameOf = (stage: StageLike): string | undefined => (names === undefined ? stage.stageName : names.get(stage));
  const resolve = (stage: StageLike): string => (stage !== image && imageReference(stage)) || nameOf(stage)!;
  const globalArgs = collectGlobalArgs(order, stateOf(image).head.dockerfile.args ?? []);
  const globalDefaults = globalArgs.length === 0 ? undefined : new Map(globalArgs.map((a) => [a.name, a.default]));

  const stages = order.map((stage): StageNode => {
    const state = stateOf(stage);
    const head = state.head;
    const from: FromNode = {
      kind: 'from',
      image: fromImage(head, resolve),
      imageRefersTo: head.base.kind === 'image' ? 'image' : 'stage',
      platform: head.platform,
      name: nameOf(stage),
      before: head.before,
      loc: head.fromLoc,
    };
    const instructions = instructionsOf(state, resolve, globalDefaults);
    return { kind: 'stage', from, instructions, loc: head.fromLoc };
  });

  const { head } = stateOf(image);
  return { kind: 'dockerfile', directives: directivesOf(head), globalArgs, stages, loc: head.fromLoc };
}

/**
 * The instructions of a stage in order, made from its entries (the list runs from the last): one
 * array, filled from its end.
 */
function instructionsOf(
  state: StageState,
  resolve: (stage: StageLike) => string,
  globalDefaults: Map<string, Text | undefined> | undefined,
): InstructionNode[] {
  let count = state.last === null ? 0 : state.last.count;
  const instructions = new Array<InstructionNode>(count);
  for (let link = state.last; link; link = link.previous) {
    const entry = link.entry;
    const node = entry instanceof DeferredInstruction ? entry.make(resolve) : entry;
    // Without global ARGs, no node's kind is asked (a read V8 makes slowly: nodes differ in shape).
    instructions[--count] = globalDefaults !== undefined && node.kind === 'arg' ? inheritGlobalDefault(node, globalDefaults) : node;
  }
  return instructions;
}

/** The image reference of a stage that is a separately built image, or undefined for a plain stage. */
export function imageReference(stage: StageLike): string | undefined {
  const meta: ImageMeta = stage.meta;
  return meta.tags?.[0] ?? meta.name;
}

/** The separately built images that `image` starts from or copies from (not inlined stages). */
export function imageDependencies(image: StageLike): StageLike[] {
  const found = new Set<StageLike>();
  const seen = new Set<StageLike>();
  const visit = (stage: StageLike): void => {
    if (seen.has(stage)) return;
    seen.add(stage);
    for (const dep of directDependencies(stage)) {
      if (imageReference(dep) !== undefined) found.add(dep);
      else visit(dep);
    }
  };
  visit(image);
  // The extra targets are stages of the same Dockerfile: what they build on counts too.
  for (const target of stateOf(image).head.dockerfile.targets ?? []) if (isStage(target)) visit(target);
  return [...found];
}

function directDependencies(stage: StageLike): StageLike[] {
  const state = stateOf(stage);
  const deps: StageLike[] = state.head.base.kind === 'stage' ? [state.head.base.stage] : [];
  // The entries from the last back: most are not deferred, so only those are kept, then put in order.
  let deferred: DeferredInstruction[] | undefined;
  for (let link = state.last; link; link = link.previous) if (link.entry instanceof DeferredInstruction) (deferred ??= []).push(link.entry);
  if (deferred) for (let i = deferred.length - 1; i >= 0; i--) deps.push(...deferred[i]!.deps);
  return deps;
}

/**
 * Depth-first, dependencies before dependents, in the order they are first referred to: the
 * extra build targets (`$dockerfile({ targets })`) in their order, then the image's own stages,
 * the image's stage last (it is the default target).
 */
function stagesInOrder(image: StageLike): StageLike[] {
  const targets = stateOf(image).head.dockerfile.targets;
  const deps = directDependencies(image);
  // Most images are one stage that names no other: no walk to make.
  if ((targets === undefined || targets.length === 0) && deps.length === 0) return [image];
  const order: StageLike[] = [];
  const seen = new Set<StageLike>();
  const visit = (stage: StageLike): void => {
    if (seen.has(stage)) return;
    seen.add(stage);
    for (const dep of directDependencies(stage)) {
      if (dep !== image && imageReference(dep) !== undefined) continue;
      visit(dep);
    }
    if (stage !== image) order.push(stage);
  };
  for (const target of targets ?? []) {
    if (isStage(target) && target !== image && imageReference(target) === undefined) visit(target);
  }
  visit(image);
  order.push(image);
  return order;
}

/**
 * Given names stay; stages that another refers to get `stage-N` (N = position) when unnamed.
 * Undefined for one stage, which nothing refers to: its own name is its name (and no map is made).
 */
function nameStages(order: readonly StageLike[], image: StageLike): Map<StageLike, string | undefined> | undefined {
  if (order.length === 1) return undefined;
  const referenced = new Set(order.flatMap(directDependencies));
  const taken = new Set(order.map((s) => s.stageName).filter((n) => n !== undefined));
  const names = new Map<StageLike, string | undefined>();
  order.forEach((stage, index) => {
    let name = stage.stageName;
    if (name === undefined && referenced.has(stage) && stage !== image) {
      name = `stage-${index}`;
      for (let n = index; taken.has(name); n++) name = `stage-${n}-${index}`;
      taken.add(name);
    }
    names.set(stage, name);
  });
  return names;
}

function fromImage(head: StageHead, resolve: (stage: StageLike) => string): Text {
  switch (head.base.kind) {
    case 'image':
      return head.base.image;
    case 'stage':
      return resolve(head.base.stage);
    case 'trigger':
      throw new Error('unreachable: an ONBUILD recorder is never a stage of a Dockerfile');
  }
}

/**
 * ARGs used by FROM lines, declared before the first FROM: each after the declaration it
 * redeclares and the arguments its default uses. Automatic platform ARGs need none.
 */
function collectGlobalArgs(order: readonly StageLike[], declared: readonly ArgRef[]): ArgNode[] {
  const args: ArgNode[] = [];
  let seen: Set<string> | undefined; // made at the first ARG: most files have none
  const add = (ref: ArgRef, head: StageHead): void => {
    if (isAutomaticArg(ref.name)) return;
    seen ??= new Set();
    const key = `${ref.name}\0${ref.default === undefined ? '\u0001' : JSON.stringify(ref.default)}\0${ref.previous ? 'r' : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (ref.previous) add(ref.previous, head);
    if (ref.default !== undefined && typeof ref.default !== 'string') argRefsOf(ref.default).forEach((used) => add(used, head));
    args.push({ kind: 'arg', name: ref.name, default: ref.default, redeclares: ref.previous ? true : undefined, before: ref.before, loc: head.fromLoc });
  };
  const last = stateOf(order[order.length - 1]!).head;
  for (const ref of declared) add(ref, last);
  for (const stage of order) {
    const { head } = stateOf(stage);
    if (head.base.kind === 'image') head.base.args.forEach((ref) => add(ref, head));
    head.platformArgs.forEach((ref) => add(ref, head));
  }
  return args;
}

/** `ARG NAME` inside a stage inherits the global value; repeating the same default adds nothing. */
function inheritGlobalDefault(arg: ArgNode, globalDefaults: Map<string, Text | undefined>): ArgNode {
  if (arg.default === undefined || !globalDefaults.has(arg.name)) return arg;
  if (globalDefaults.get(arg.name) !== arg.default) return arg;
  return { kind: 'arg', name: arg.name, default: undefined, loc: arg.loc };
}

function directivesOf(head: StageHead): Directives {
  const { syntax, escape, check } = head.dockerfile;
  return { syntax, escape, check: check && formatCheck(check) };
}

/** `{ skip: ['A', 'B'], error: true }` -> `skip=A,B;error=true` */
export function formatCheck(config: CheckConfig): string | undefined {
  const parts: string[] = [];
  if (config.skip !== undefined) parts.push(`skip=${config.skip === 'all' ? 'all' : config.skip.join(',')}`);
  if (config.error !== undefined) parts.push(`error=${config.error}`);
  return parts.length > 0 ? parts.join(';') : undefined;
}
