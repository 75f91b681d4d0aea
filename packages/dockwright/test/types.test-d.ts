import { describe, expectTypeOf, test } from 'vitest';
import { from, type Stage, type StageLike } from 'dockwright';

describe('shapes that must not compile', () => {
  test('a second cmd(), entrypoint() or healthcheck() in a stage', () => {
    const withCmd = from('alpine').cmd(['a']);
    // @ts-expect-error a stage has one CMD
    withCmd.cmd(['b']);
    // @ts-expect-error still one CMD after other instructions
    withCmd.run('true').cmd(['b']);

    // @ts-expect-error a stage has one ENTRYPOINT
    from('alpine').entrypoint(['/init']).entrypoint(['/other']);

    // @ts-expect-error a stage has one HEALTHCHECK
    from('alpine').healthcheck(['true']).healthcheck(false);
  });

  test('each slot is independent of the others', () => {
    const image = from('alpine').cmd(['a']).entrypoint(['/init']).healthcheck(false);
    expectTypeOf(image).toEqualTypeOf<Stage<'cmd' | 'entrypoint' | 'healthcheck'>>();
    expectTypeOf(image).toMatchTypeOf<StageLike>();
  });

  test('mount options are typed by mount type', () => {
    // @ts-expect-error tmpfs has no id
    from('alpine').run('x', { mount: { type: 'tmpfs', target: '/t', id: 'x' } });
    // @ts-expect-error unknown network mode
    from('alpine').run('x', { network: 'bridge' });
    // @ts-expect-error sharing is shared, private or locked
    from('alpine').run('x', { mount: { type: 'cache', target: '/c', sharing: 'all' } });
  });

  test('stages are values: copy from takes a stage or a string, not a number', () => {
    const build = from('golang').run('go build');
    from('alpine').copy({ from: build, src: '/out', dest: '/out' });
    // @ts-expect-error --from is a stage value or an image reference
    from('alpine').copy({ from: 3, src: '/out', dest: '/out' });
  });

  test('add() has no --from', () => {
    // @ts-expect-error ADD does not take --from
    from('alpine').add('a', '/a', { from: 'x' });
  });
});
