import type { AnyInstructionNode, CopyFields, StageNode } from '../../ir/nodes/index.js';
import type { Text } from '../../ir/text.js';
import { buildkitUrl, defineRule, type Where } from '../rule.js';

/**
 * An `arg()` reference used in a stage that does not declare it with `.arg(ref)`: Docker would
 * expand it to an empty string. (Environment references are taken as set by the base image.)
 */
export const UndefinedVar = defineRule({
  name: 'UndefinedVar',
  severity: 'error',
  description: 'A build argument is used in a stage that does not declare it.',
  url: buildkitUrl('UndefinedVar'),
  create(ctx) {
    const checkText = (node: AnyInstructionNode, text: Text | undefined, where: Where): void => {
      if (text === undefined || typeof text === 'string') return; // a plain string uses no variable
      for (const part of text.parts) {
        if (typeof part === 'string' || part.kind !== 'var' || part.source !== 'arg') continue;
        if (!declaredBefore(where.stage, node, part.name)) {
          ctx.report(
            node.loc,
            `Build argument ${part.name} is used but not declared in this stage: add .arg(${part.name.toLowerCase()}) before it (ARG ${part.name}).`,
          );
        }
      }
    };
    const checkAll = (node: AnyInstructionNode, texts: readonly Text[], where: Where): void => {
      for (let i = 0; i < texts.length; i++) checkText(node, texts[i], where);
    };
    /** What COPY and ADD share: sources, destination, owner and mode. */
    const checkCopyFields = (node: AnyInstructionNode & CopyFields, where: Where): void => {
      checkAll(node, node.sources, where);
      checkText(node, node.dest, where);
      checkText(node, node.chown, where);
      checkText(node, node.chmod, where);
    };
    return {
      instruction: {
        env: (node, where) => {
          if (!where.trigger) for (const pair of node.pairs) checkText(node, pair.value, where);
        },
        label: (node, where) => {
          if (!where.trigger) for (const pair of node.pairs) checkText(node, pair.value, where);
        },
        workdir: (node, where) => {
          if (!where.trigger) checkText(node, node.path, where);
        },
        user: (node, where) => {
          if (!where.trigger) {
            checkText(node, node.user, where);
            checkText(node, node.group, where);
          }
        },
        stopsignal: (node, where) => {
          if (!where.trigger) checkText(node, node.signal, where);
        },
        volume: (node, where) => {
          if (!where.trigger) checkAll(node, node.paths, where);
        },
        expose: (node, where) => {
          if (!where.trigger) checkAll(node, node.ports, where);
        },
        copy: (node, where) => {
          if (where.trigger) return;
          checkCopyFields(node, where);
          checkText(node, node.from, where);
        },
        add: (node, where) => {
          if (!where.trigger) checkCopyFields(node, where);
        },
        run: (node, where) => {
          if (where.trigger) return;
          for (const mount of node.mounts) {
            if ('target' in mount) checkText(node, mount.target, where);
            if ('id' in mount) checkText(node, mount.id, where);
          }
        },
      },
    };
  },
});

/**
 * Whether the stage declares `name` before `node`: an ARG, or an ENV key. Looked up only when a
 * text uses an arg() reference, which few do, so no stage keeps a set of what it declares.
 * Instructions of an ONBUILD trigger declare nothing here: they run in another build.
 */
function declaredBefore(stage: StageNode, node: AnyInstructionNode, name: string): boolean {
  for (const other of stage.instructions) {
    if (other === node) return false;
    if (other.kind === 'arg' && other.name === name) return true;
    if (other.kind === 'env' && other.pairs.some((pair) => pair.key === name)) return true;
  }
  return false;
}
