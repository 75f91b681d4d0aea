import type { AnyInstructionNode, CopyFields } from '../../ir/nodes/index.js';
import type { Text } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

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
    let declared = new Set<string>();
    const checkText = (node: AnyInstructionNode, text: Text | undefined): void => {
      if (text === undefined || typeof text === 'string') return; // a plain string uses no variable
      for (const part of text.parts) {
        if (typeof part === 'string' || part.kind !== 'var' || part.source !== 'arg') continue;
        if (!declared.has(part.name)) {
          ctx.report(
            node.loc,
            `Build argument ${part.name} is used but not declared in this stage: add .arg(${part.name.toLowerCase()}) before it (ARG ${part.name}).`,
          );
        }
      }
    };
    const checkAll = (node: AnyInstructionNode, texts: readonly Text[]): void => {
      for (let i = 0; i < texts.length; i++) checkText(node, texts[i]);
    };
    /** What COPY and ADD share: sources, destination, owner and mode. */
    const checkCopyFields = (node: AnyInstructionNode & CopyFields): void => {
      checkAll(node, node.sources);
      checkText(node, node.dest);
      checkText(node, node.chown);
      checkText(node, node.chmod);
    };
    return {
      stage: () => {
        declared = new Set();
      },
      instruction: {
        arg: (node, where) => {
          if (!where.trigger) declared.add(node.name);
        },
        env: (node, where) => {
          if (where.trigger) return;
          for (const pair of node.pairs) checkText(node, pair.value);
          for (const pair of node.pairs) declared.add(pair.key);
        },
        label: (node, where) => {
          if (!where.trigger) for (const pair of node.pairs) checkText(node, pair.value);
        },
        workdir: (node, where) => {
          if (!where.trigger) checkText(node, node.path);
        },
        user: (node, where) => {
          if (!where.trigger) {
            checkText(node, node.user);
            checkText(node, node.group);
          }
        },
        stopsignal: (node, where) => {
          if (!where.trigger) checkText(node, node.signal);
        },
        volume: (node, where) => {
          if (!where.trigger) checkAll(node, node.paths);
        },
        expose: (node, where) => {
          if (!where.trigger) checkAll(node, node.ports);
        },
        copy: (node, where) => {
          if (where.trigger) return;
          checkCopyFields(node);
          checkText(node, node.from);
        },
        add: (node, where) => {
          if (!where.trigger) checkCopyFields(node);
        },
        run: (node, where) => {
          if (where.trigger) return;
          for (const mount of node.mounts) {
            if ('target' in mount) checkText(node, mount.target);
            if ('id' in mount) checkText(node, mount.id);
          }
        },
      },
    };
  },
});
