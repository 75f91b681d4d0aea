import { dockwrightUrl, defineRule } from '../rule.js';

/** A Dockerfile needs at least one FROM, and every FROM needs an image. */
export const MissingFrom = defineRule({
  name: 'MissingFrom',
  severity: 'error',
  description: 'The file has no FROM, or a FROM has no image.',
  url: dockwrightUrl('MissingFrom'),
  fatal: true,
  create(ctx) {
    return {
      file: (file) => {
        if (file.stages.length === 0)
          ctx.report(file.loc, `The Dockerfile has no FROM instruction: start it with ${ctx.origin === 'code' ? 'from(image)' : 'FROM <image>'}.`);
      },
      instruction: {
        from: (node) => {
          if (node.image === '')
            ctx.report(
              node.loc,
              `FROM has no image: ${ctx.origin === 'code' ? 'pass an image reference or a stage to from()' : 'name an image or an earlier stage'}.`,
            );
        },
      },
    };
  },
});
