import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sdk from 'dockwright';
import { describe, expect, test } from 'vitest';
import { cacheEntryPath, compileModule, OXC_VERSION, SyntaxProblem } from '../src/module-compile.js';
import { ImportCycle, ImportNotFound, ModuleRunner, RanTooLong, type LoadGuard } from '../src/module-runner.js';
import { userFrame } from '../src/user-frames.js';
import { cli, project } from './helpers.js';

const cacheDir = (): string => mkdtempSync(join(tmpdir(), 'dockwright-modules-'));

/** A guard that counts the times the load said it would wait. */
function countingGuard(limitMs?: number): LoadGuard & { waits: number } {
  const guard = {
    waits: 0,
    remainingMs: () => limitMs,
    waiting: () => void guard.waits++,
  };
  return guard;
}

async function run(files: Readonly<Record<string, string>>, guard?: LoadGuard, entry = 'dockwright.ts'): Promise<Record<string, unknown>> {
  const dir = project(files);
  return new ModuleRunner({ sdk, cacheDir: cacheDir(), guard }).run(join(dir, entry));
}

describe('the module runner', () => {
  test('runs TypeScript as an ES module: imports first, in order; exports by name, in the order of their names', async () => {
    const exports = await run({
      'log.ts': 'export const order: string[] = [];\n',
      'a.ts': "import { order } from './log.ts';\norder.push('a');\nexport const a = 1;\n",
      'b.ts': "import { order } from './log.js';\norder.push('b');\nexport default 2;\nexport * from './c';\n",
      'c.ts': 'export const c: number = 3;\nexport enum Kind { Build = 4 }\n',
      'dockwright.ts': [
        "import { order } from './log';",
        "import { a } from './a.ts';",
        "import b, { c, Kind } from './b.ts';",
        "import * as all from './b.ts';",
        "order.push('entry');",
        'export const zeta = [a, b, c, Kind.Build, all.c, order.join()];',
        'export const alpha = true;',
      ].join('\n'),
    });
    expect(Object.keys(exports)).toEqual(['alpha', 'zeta']);
    expect(exports.zeta).toEqual([1, 2, 3, 4, 3, 'a,b,entry']);
  });

  test("'dockwright' is the runner's own SDK: one copy, whatever the file's folder holds", async () => {
    const exports = await run({ 'dockwright.ts': "import * as dw from 'dockwright';\nexport const same = dw;\n" });
    expect(exports.same).toBe(sdk);
  });

  test('import.meta, __dirname, __filename and require are the file’s own, not the runner’s', async () => {
    const dir = project({
      'data.json': '{"answer": 42}',
      'sub/dockwright.ts': [
        "import data from '../data.json';",
        'export const meta = [import.meta.url, import.meta.filename, import.meta.dirname];',
        'export const cjs = [__filename, __dirname, require.resolve("../data.json")];',
        'export const answer: number = data.answer;',
        "export const { later } = await import('./later.ts');",
      ].join('\n'),
      'sub/later.ts': 'export const later = "loaded when asked";\n',
    });
    const file = join(dir, 'sub', 'dockwright.ts');
    const exports = await new ModuleRunner({ sdk, cacheDir: cacheDir() }).run(file);
    expect(exports.meta).toEqual([pathToFileURL(file).href, file, join(dir, 'sub')]);
    expect(exports.cjs).toEqual([file, join(dir, 'sub'), join(dir, 'data.json')]);
    expect(exports.answer).toBe(42);
    expect(exports.later).toBe('loaded when asked');
  });

  test('a package is resolved from the importing file, as Node resolves it (an import-only export condition included)', async () => {
    const exports = await run({
      'node_modules/esm-only/package.json': JSON.stringify({ name: 'esm-only', type: 'module', exports: { '.': { import: './index.js' } } }),
      'node_modules/esm-only/index.js': 'export const greeting = "hello";\n',
      'dockwright.ts': "import { greeting } from 'esm-only';\nimport { basename } from 'node:path';\nexport const both = [greeting, basename('/a/b')];\n",
    });
    expect(exports.both).toEqual(['hello', 'b']);
  });

  test('a file that awaits at its top level is done before the files that import it run', async () => {
    const exports = await run({
      'slow.ts': 'export const value: number = await new Promise((resolve) => setTimeout(() => resolve(7), 20));\n',
      'dockwright.ts': "import { value } from './slow.ts';\nexport const seen = value;\n",
    });
    expect(exports.seen).toBe(7);
  });

  test("export * re-exports a package's names, and a syntax error names the imported file that has it", async () => {
    const reexported = await run({
      'node_modules/lib/package.json': JSON.stringify({ name: 'lib', type: 'module', exports: './index.js' }),
      'node_modules/lib/index.js': 'export const one = 1;\nexport default 2;\n',
      'dockwright.ts': "export * from 'lib';\n",
    });
    expect(Object.keys(reexported)).toEqual(['one']);
    const error = await run({ 'broken.ts': 'export const a = (;\n', 'dockwright.ts': "export { a } from './broken.ts';\n" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxProblem);
    expect((error as SyntaxProblem).file.endsWith('broken.ts')).toBe(true);
  });

  test('a CommonJS TypeScript file is refused, saying what to write instead', async () => {
    const error = await run({ 'lib.cts': 'module.exports = { a: 1 };\n', 'dockwright.ts': "import { a } from './lib.cts';\nexport const b = a;\n" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportNotFound);
    expect((error as ImportNotFound).reason).toContain('ES modules (.ts, .mts)');
  });

  test('files that import each other are refused, naming the circle', async () => {
    const error = await run({
      'dockwright.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'b.ts': "import { a } from './dockwright.ts';\nexport const b = 1; export const c = () => a;\n",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportCycle);
    expect((error as ImportCycle).files.map((f) => f.split('/').at(-1))).toEqual(['dockwright.ts', 'b.ts', 'dockwright.ts']);
  });

  test('an import of nothing is refused, naming the import and the file', async () => {
    const error = await run({ 'dockwright.ts': "import { x } from './missing';\nexport const a = x;\n" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportNotFound);
    expect(error).toMatchObject({ specifier: './missing' });
    expect((error as ImportNotFound).importer.endsWith('dockwright.ts')).toBe(true);
  });

  test('a load that never waits never asks for a watch; an await or a package to load does', async () => {
    const plain = countingGuard(10_000);
    await run({ 'dockwright.ts': "import { from } from 'dockwright';\nimport { join } from 'node:path';\nexport const a = from(join('a', 'b'));\n" }, plain);
    expect(plain.waits).toBe(0);
    const awaiting = countingGuard(10_000);
    await run({ 'dockwright.ts': 'export const a = await Promise.resolve(1);\n' }, awaiting);
    expect(awaiting.waits).toBe(1);
    const packaged = countingGuard(10_000);
    await run(
      {
        'node_modules/p/package.json': '{"name":"p","main":"i.js"}',
        'node_modules/p/i.js': 'exports.p = 1;\n',
        'dockwright.ts': "import { p } from 'p';\nexport const a = p;\n",
      },
      packaged,
    );
    expect(packaged.waits).toBe(1);
  });

  test("a module's own code that runs past the limit without waiting is stopped there", async () => {
    const guard = countingGuard(200);
    const error = await run({ 'dockwright.ts': 'let n = 0;\nwhile (true) n++;\nexport const a = n;\n' }, guard).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RanTooLong);
    expect(guard.waits).toBe(0);
  });

  test('a throw is reported at the TypeScript line and column, however the types moved the code', async () => {
    const source = [
      "import { from, type Stage } from 'dockwright';",
      'interface Settings { readonly version: string }',
      'const settings: Settings = { version: "1" } as Settings;',
      'function tag(s: Settings,',
      '  suffix: string): string {',
      '  if (s.version === "1") throw new Error(`no tag for ${suffix}`);',
      '  return s.version;',
      '}',
      'export const app: Stage = from("alpine" as string).$meta({ tags: [tag(settings, "x")] });',
    ].join('\n');
    const dir = project({ 'dockwright.ts': source });
    const error = (await new ModuleRunner({ sdk, cacheDir: cacheDir() }).run(join(dir, 'dockwright.ts')).catch((e: unknown) => e)) as Error;
    expect(userFrame(error.stack, dir)).toBe(`dockwright.ts:6:${source.split('\n')[5]!.indexOf('new Error') + 1}`);
  });
});

describe('compiled modules', () => {
  test('are read from the cache when it holds this file with this text, and made again when the text changed', async () => {
    const dir = cacheDir();
    const file = join(dir, 'x.ts');
    const first = await compileModule(file, 'export const x: number = 1;\n', dir);
    expect(first.code).toContain('__vite_ssr_exports__');
    // An entry written by hand stands for one the transformer made: it is what comes back.
    const entry = cacheEntryPath(dir, file, 'export const x: number = 1;\n');
    const written = JSON.parse(readFileSync(entry, 'utf8')) as { code: string };
    writeFileSync(entry, JSON.stringify({ ...written, code: `${written.code}// from the cache` }));
    expect((await compileModule(file, 'export const x: number = 1;\n', dir)).code).toContain('// from the cache');
    expect((await compileModule(file, 'export const x: number = 2;\n', dir)).code).not.toContain('// from the cache');
  });

  test('an entry for another text under the same key is not used', async () => {
    const dir = cacheDir();
    const file = join(dir, 'x.ts');
    await compileModule(file, 'export const x = 1;\n', dir);
    const entry = cacheEntryPath(dir, file, 'export const x = 1;\n');
    const written = JSON.parse(readFileSync(entry, 'utf8')) as Record<string, unknown>;
    writeFileSync(entry, JSON.stringify({ ...written, source: 'export const x = 3;\n', code: 'poisoned' }));
    expect((await compileModule(file, 'export const x = 1;\n', dir)).code).not.toContain('poisoned');
  });

  test('a cache that cannot be written costs only the transform', async () => {
    const dir = cacheDir();
    const blocked = join(dir, 'not-a-folder');
    writeFileSync(blocked, 'a file where the cache folder would be');
    const compiled = await compileModule(join(dir, 'x.ts'), 'export const x: number = 1;\n', blocked);
    expect(compiled.code).toContain('__vite_ssr_exports__');
  });

  test('writing an entry removes the ones nothing has written for a month, and only those', async () => {
    const dir = cacheDir();
    writeFileSync(join(dir, 'old.json'), '{}');
    writeFileSync(join(dir, 'recent.json'), '{}');
    const monthAndDayAgo = (Date.now() - 31 * 24 * 60 * 60 * 1000) / 1000;
    utimesSync(join(dir, 'old.json'), monthAndDayAgo, monthAndDayAgo);
    await compileModule(join(dir, 'x.ts'), 'export const x = 1;\n', dir);
    expect(existsSync(join(dir, 'old.json'))).toBe(false);
    expect(existsSync(join(dir, 'recent.json'))).toBe(true);
    expect(existsSync(cacheEntryPath(dir, join(dir, 'x.ts'), 'export const x = 1;\n'))).toBe(true);
  });

  test('a syntax error names its line and column', async () => {
    const error = await compileModule('/x/d.ts', "const a = 'é';\nexport const b = from('alpine'\n  .run('x');\n", undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxProblem);
    expect(error).toMatchObject({ file: '/x/d.ts', line: 3, column: 12 });
  });

  test('the cache format names the oxc-transform that is installed', () => {
    const installed = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'oxc-transform', 'package.json'), 'utf8')) as { version: string };
    expect(OXC_VERSION).toBe(installed.version);
  });
});

describe('the CLI and the load watchdog', () => {
  test('a definitions file that does not wait starts no watchdog; one that awaits does, with the time left', async () => {
    const watched: number[] = [];
    const io = (dir: string) => ({
      cwd: dir,
      env: {},
      stdout: { write: () => undefined },
      stderr: { write: () => undefined },
      watchLoad: (timeoutMs: number) => {
        watched.push(timeoutMs);
        return () => undefined;
      },
    });
    const { run: runCli } = await import('@dockwright/cli');
    const plain = project({ 'dockwright.ts': "import { from } from 'dockwright';\nexport const a = from('alpine');\n" });
    expect(await runCli(['ls', '--load-timeout', '20s'], io(plain))).toBe(0);
    expect(watched).toEqual([]);
    const waits = project({ 'dockwright.ts': "import { from } from 'dockwright';\nexport const a = await Promise.resolve(from('alpine'));\n" });
    expect(await runCli(['ls', '--load-timeout', '20s'], io(waits))).toBe(0);
    expect(watched).toHaveLength(1);
    expect(watched[0]).toBeGreaterThan(10_000);
    expect(watched[0]).toBeLessThanOrEqual(20_000);
    expect((await cli(['ls'], waits)).code).toBe(0);
  });
});
