import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';

/** What the TypeScript compiler says about a snippet that uses the SDK: the messages a user reads. */
const dir = mkdtempSync(join(tmpdir(), 'dockwright-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SDK = join(import.meta.dirname, '..', 'src', 'index.ts');

function compilerSays(code: string): string[] {
  const file = join(dir, `snippet-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `import { from } from ${JSON.stringify(SDK.replace(/\.ts$/, '.js'))};\n${code}\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('type errors say what is wrong', () => {
  test('a second cmd(), entrypoint() or healthcheck() names the mistake and the way out', () => {
    const said = compilerSays(`
const a = from('alpine').cmd(['a']).cmd(['b']);
const b = from('alpine').entrypoint(['/init']).run('true').entrypoint(['/other']);
const c = from('alpine').healthcheck(false).healthcheck(false);
`);
    expect(said).toHaveLength(3);
    expect(said[0]).toContain("'CMD is already set in this stage'");
    expect(said[0]).toContain('write it inside $overridden()');
    expect(said[1]).toContain("'ENTRYPOINT is already set in this stage'");
    expect(said[2]).toContain("'HEALTHCHECK is already set in this stage'");
    for (const message of said) expect(message).not.toContain('not callable');
  }, 60_000);

  test('a stage with a CMD given where a Stage is wanted says what it has and what to do', () => {
    const said = compilerSays(`
let stage = from('alpine');
stage = stage.cmd(['a']);
const takesStage = (s: ReturnType<typeof from>) => s.run('true');
takesStage(from('alpine').entrypoint(['/init']).cmd(['a']));
`);
    expect(said).toHaveLength(2);
    for (const message of said) {
      // The first reason given is the one that explains, not a method's parameter types.
      expect(message.split('\n')[1]).toContain("Types of property ''~set'' are incompatible");
      expect(message).toContain('take any stage as an Image; give a stage with one set a const of its own');
      expect(message.split('\n').length).toBeLessThanOrEqual(4);
    }
    expect(said[0]).toContain('"a stage whose CMD is set"');
    expect(said[1]).toContain('"a stage whose ENTRYPOINT is set"');
  }, 60_000);

  test('one of each, and a second inside $overridden(), compile', () => {
    expect(compilerSays(`const ok = from('alpine').$overridden((s) => s.cmd(['old'])).cmd(['new']).entrypoint(['/init']).healthcheck(false);`)).toEqual([]);
  }, 60_000);
});
