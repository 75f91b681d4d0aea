import { describe, expectTypeOf, test } from 'vitest';
import { from, type Slot, type Stage, type StageLike } from 'dockwright';

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

  test('a stage with a CMD where a Stage (which may still get one) is wanted', () => {
    let stage: Stage = from('alpine');
    // @ts-expect-error the variable's type is a stage with no CMD yet
    stage = stage.cmd(['a']);
    const takesStage = (s: Stage): Stage => s.run('true');
    // @ts-expect-error a function given a Stage may call cmd() on it
    takesStage(from('alpine').cmd(['a']));
    // Any stage is an Image; a fragment written for any stage keeps what it was given.
    const takesImage = (image: StageLike): string | undefined => image.stageName;
    takesImage(from('alpine').cmd(['a']));
    expectTypeOf(
      from('alpine')
        .cmd(['a'])
        .$apply((s) => s.run('true')),
    ).toEqualTypeOf<Stage<'cmd'>>();
    const addsToAny = <U extends Slot>(s: Stage<U>): Stage<U> => s.run('true');
    expectTypeOf(addsToAny(from('alpine').cmd(['a']))).toEqualTypeOf<Stage<'cmd'>>();
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
