import type { SourceLocation } from '../../ir/location.js';
import { isLiteral, type Text } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/**
 * `from('build')` in a Dockerfile that has a stage named `build`: Docker resolves the name to the
 * stage, silently, and never uses the image. In code a string means an image and a stage is a
 * value, so the clash is an error. Parsed files are not affected: there a name is how a stage is
 * referred to.
 */
export const ImageReferenceIsStageName = defineRule({
  name: 'ImageReferenceIsStageName',
  severity: 'error',
  description: 'A string meant as an image reference is the name of a stage, which Docker would use instead.',
  url: dockwrightUrl('ImageReferenceIsStageName'),
  create(ctx) {
    // Only when a stage has a name: most files name none.
    let stageNames: Map<string, string> | undefined;
    const check = (text: Text | undefined, loc: SourceLocation | undefined, how: string): void => {
      if (stageNames === undefined || text === undefined || !isLiteral(text)) return;
      const stage = stageNames.get(text.toLowerCase());
      if (stage === undefined) return;
      ctx.report(
        loc,
        `${how} '${text}' names the stage ${stage} of this Dockerfile, so Docker would use that stage, not the image ${text}. ` +
          'Pass the stage value to mean the stage, or name the stage differently to mean the image.',
      );
    };
    return {
      file: (file) => {
        stageNames = undefined;
        for (const stage of file.stages) if (stage.from.name !== undefined) (stageNames ??= new Map()).set(stage.from.name.toLowerCase(), stage.from.name);
      },
      instruction: {
        from: (node) => {
          if (node.imageRefersTo === 'image') check(node.image, node.loc, 'from()');
        },
        copy: (node, where) => {
          if (!where.trigger && node.fromRefersTo === 'image') check(node.from, node.loc, 'copy() from');
        },
        run: (node, where) => {
          if (where.trigger) return;
          for (const mount of node.mounts) {
            if ((mount.type === 'bind' || mount.type === 'cache') && mount.fromRefersTo === 'image')
              check(mount.from, node.loc, `--mount=type=${mount.type} from`);
          }
        },
      },
    };
  },
});
