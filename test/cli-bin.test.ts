import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { project, read, treeHash } from '../packages/cli/test/helpers.js';

/** The built bin, run as a user would: a real process, a real exit code. */
const BIN = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'bin.cjs');

function dockwright(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.npm_lifecycle_event; // as if typed in a shell, not run by `pnpm test`
  // A bound far above any run here, so that a hang fails the test instead of stalling the suite.
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const DEFINITIONS = `import { from } from 'dockwright';
export const web = from('nginx:1.27-alpine').copy('site/', '/usr/share/nginx/html/').$meta({ dockerfile: 'Dockerfile' });
`;

describe('the dockwright bin', () => {
  /** Runs the bin with a preload that lists, as the process exits, the files it required and the builtins Node loaded. */
  function loaded(args: string[], cwd: string): { files: string[]; builtins: string[]; stdout: string } {
    const probe = join(cwd, 'probe.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => require('node:fs').writeFileSync(__dirname + '/loaded.json', JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n",
    );
    const result = spawnSync(process.execPath, ['-r', probe, BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status, result.stderr).toBe(0);
    const { files, builtins } = JSON.parse(readFileSync(join(cwd, 'loaded.json'), 'utf8')) as { files: string[]; builtins: string[] };
    return { files, builtins, stdout: result.stdout };
  }
  const chunk = (files: readonly string[], name: string): boolean => files.some((f) => new RegExp(`/dist/${name}-[\\w-]{8}\\.cjs$`).test(f));

  test('--version loads nothing but the bin; --help the program, but no command, no SDK, no module runner', () => {
    const dir = project({});
    const version = loaded(['--version'], dir);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version.files.filter((f) => f !== join(dir, 'probe.cjs'))).toEqual([BIN]);
    const help = loaded(['--help'], dir);
    expect(help.stdout).toContain('Commands:');
    expect(chunk(help.files, 'program')).toBe(true); // the probe sees the chunks that load
    for (const name of ['synth', 'build', 'ls', 'graph', 'lint', 'import', 'push', 'engine', 'definitions']) expect(chunk(help.files, name), name).toBe(false);
  });

  test('synth of a file that has not changed and does not wait: no transformer, no worker thread, no node:crypto, no stdio stream', () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS, 'site/index.html': 'hi\n' });
    const first = loaded(['synth'], dir);
    expect(first.files.some((f) => f.includes('/@oxc-transform/'))).toBe(true); // compiled once: the probe sees oxc's binding load
    const again = loaded(['synth'], dir);
    expect(again.files.some((f) => f.includes('oxc-transform'))).toBe(false);
    // Output goes out with write(2); Node's stdio streams (node:stream, node:net, node:tty) are made only when asked for.
    expect(again.builtins.filter((m) => /worker_threads|^NativeModule (crypto|stream|net|tty)$/.test(m))).toEqual([]);
    expect(chunk(again.files, 'synth')).toBe(true);
  });

  test("V8's code cache: written after a run, read by the next; a damaged or unwritable cache costs only the compile", () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS, 'site/index.html': 'hi\n' });
    const cacheHome = join(dir, 'cache');
    const synth = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [BIN, 'synth'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
    expect(synth().status).toBe(0);
    const [version] = readdirSync(join(cacheHome, 'dockwright', 'v8'));
    const v8 = join(cacheHome, 'dockwright', 'v8', version!);
    const cached = readdirSync(v8);
    expect(cached.some((f) => /^synth-[\w-]{8}\.cjs\.v8$/.test(f))).toBe(true);
    for (const file of cached) writeFileSync(join(v8, file), 'not a code cache');
    const damaged = synth();
    expect(damaged.status, String(damaged.stderr)).toBe(0);
    for (const file of cached) expect(readFileSync(join(v8, file), 'utf8')).not.toBe('not a code cache'); // written again
    rmSync(v8, { recursive: true });
    writeFileSync(v8, 'a file where the cache folder would be');
    const unwritable = synth();
    expect(unwritable.status, String(unwritable.stderr)).toBe(0);
    expect(unwritable.stdout).toBe('');
  });

  test('prints a Dockerfile to stdout (exit 0)', () => {
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nexport default from('alpine').run('apk add redis').cmd(['redis-server']);\n` });
    expect(dockwright(['synth'], dir)).toEqual({ code: 0, stdout: 'FROM alpine\nRUN apk add redis\nCMD ["redis-server"]\n', stderr: '' });
  });

  test('what a definitions file logs goes to stderr: stdout holds the Dockerfile alone', () => {
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';\nconsole.log('loading images');\nconsole.info({ debug: true });\nexport default from('alpine');\n`,
    });
    const result = dockwright(['synth'], dir);
    expect(result).toMatchObject({ code: 0, stdout: 'FROM alpine\n' });
    expect(result.stderr).toBe('loading images\n{ debug: true }\n');
  });

  test('writes files, then --check passes (0), then fails on drift (1) with a diff', () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS });
    expect(dockwright(['synth'], dir).code).toBe(0);
    expect(read(dir, 'Dockerfile')).toContain('COPY site/ /usr/share/nginx/html/');
    expect(dockwright(['synth', '--check'], dir).code).toBe(0);

    writeFileSync(join(dir, 'Dockerfile'), read(dir, 'Dockerfile').replace('1.27', '1.25'));
    const before = treeHash(dir);
    const drift = dockwright(['synth', '--check'], dir);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('-FROM nginx:1.25-alpine\n+FROM nginx:1.27-alpine');
    expect(treeHash(dir)).toBe(before);
  });

  test('refuses to overwrite a hand-written Dockerfile (1)', () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS, Dockerfile: 'FROM scratch\n' });
    const result = dockwright(['synth'], dir);
    expect(result.code).toBe(1);
    expect(read(dir, 'Dockerfile')).toBe('FROM scratch\n');
  });

  test('invalid images exit 1 and name the .ts line', () => {
    const dir = project({ 'images.ts': `import { from } from 'dockwright';\nexport const a = from('alpine')\n  .expose(99999);\n` });
    const result = dockwright(['synth', '-f', 'images.ts'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^images\.ts:3:\d+ error InvalidPort: /m);
  });

  test('could not run: exit 2', () => {
    expect(dockwright(['synth'], project({})).code).toBe(2);
    expect(dockwright(['synth', '--bogus'], project({ 'dockwright.ts': DEFINITIONS })).code).toBe(2);
    const threw = dockwright(['synth'], project({ 'dockwright.ts': `throw new Error('nope');\n` }));
    expect(threw.code).toBe(2);
    expect(threw.stderr).toMatch(/dockwright\.ts:1:\d+: the definitions file threw nope/);
    expect(existsSync(BIN)).toBe(true);
  });
});

test('a reader that stops early ends the command quietly (exit 141, as SIGPIPE would)', async () => {
  const { spawn } = await import('node:child_process');
  // Far more than a pipe holds (64 kB), so writes go on after the reader has gone.
  const lines = Array.from({ length: 4000 }, (_, i) => `export const image${i} = from('alpine:${i}');`);
  const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\n${lines.join('\n')}\n` });
  const child = spawn(process.execPath, [BIN, 'ls'], { cwd: dir, env: { PATH: process.env.PATH } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once('data', () => child.stdout.destroy()); // `| head -1`
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(141);
});

describe('a definitions file that never finishes loading', () => {
  const hung = (body: string, args: string[] = ['--load-timeout', '3']): ReturnType<typeof dockwright> =>
    dockwright(['ls', ...args], project({ 'dockwright.ts': `import { from } from 'dockwright';\n${body}\nexport const a = from('alpine');\n` }));
  const NODE_DEBUGGER_LINE = /Waiting for the debugger/;

  test('a loop at the top level: exit 2 naming its line, after --load-timeout', () => {
    const result = hung('let n = 0;\nwhile (true) n++;');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dockwright\.ts:3:1: the definitions file is still loading after 3 s, running this line/);
    expect(result.stderr).not.toMatch(NODE_DEBUGGER_LINE);
    expect(result.stdout).toBe('');
  });

  test('a loop in a function, after an await: the line inside the function', () => {
    const result = hung('await Promise.resolve();\nfunction spin(): number {\n  let n = 0;\n  for (;;) n += 1;\n}\nspin();');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dockwright\.ts:5:3: the definitions file is still loading after 3 s, running this line/);
    expect(result.stderr).not.toMatch(NODE_DEBUGGER_LINE);
  });

  test('a loop in a timer callback is stopped too (exit 2, its line)', () => {
    const result = hung('await new Promise(() => setTimeout(() => {\n  for (;;) {}\n}, 10));');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dockwright\.ts:3:3: the definitions file is still loading after 3 s, running this line/);
  });

  test('an await that waits for ever: exit 2 naming the file', () => {
    const result = hung('await new Promise(() => setInterval(() => {}, 100));');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dockwright\.ts: the definitions file is still loading after 3 s, waiting for something/);
    expect(result.stderr).not.toMatch(NODE_DEBUGGER_LINE);
  });

  test('an await that nothing can settle: exit 2 at once, without waiting for the limit', () => {
    const result = hung('await new Promise(() => {});', ['--load-timeout', '1h']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dockwright\.ts: the definitions file never finished loading: it awaits a promise that nothing is left to settle/);
    expect(result.stderr).not.toMatch(NODE_DEBUGGER_LINE);
  });

  test('a slow file within the limit, or with no limit, loads', () => {
    const slow = 'await new Promise((resolve) => setTimeout(resolve, 1500));';
    expect(hung(slow, ['--load-timeout', '1m']).code).toBe(0);
    expect(hung(slow, ['--load-timeout', '0']).code).toBe(0);
    expect(hung(slow, ['--load-timeout', '0.5']).code).toBe(2);
    const usage = hung('', ['--load-timeout', '5 minutes']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("option '--load-timeout <duration>' argument '5 minutes' is invalid. expected a duration such as 90s, 10m or 1h30m.");
  });

  test('Ctrl-C stops it before the limit (exit 130)', async () => {
    const { spawn } = await import('node:child_process');
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nwhile (true) {}\nexport const a = from('alpine');\n` });
    const child = spawn(process.execPath, [BIN, 'synth'], { cwd: dir, env: { PATH: process.env.PATH } });
    // Wait until it is inside the loop (it has started and printed nothing), then interrupt.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    // Killed by SIGINT itself: the shell reports 130.
    expect(code === 130 || signal === 'SIGINT').toBe(true);
  });
});

describe('a definitions file cannot corrupt the output', () => {
  const run = (body: string, args = ['synth']): ReturnType<typeof dockwright> =>
    dockwright(args, project({ 'dockwright.ts': `import { from } from 'dockwright';\n${body}\nexport default from('alpine');\n` }));

  test('what it writes to process.stdout goes to stderr, like its console.log', () => {
    const result = run(`process.stdout.write('chatter\\n');`);
    expect(result).toMatchObject({ code: 0, stdout: 'FROM alpine\n' });
    expect(result.stderr).toBe('chatter\n');
  });

  test('process.exit() while loading is an error at its line (exit 2), never a silent success of synth --check', () => {
    const loading = run(`process.exit(0);`, ['synth', '--check']);
    expect(loading.code).toBe(2);
    expect(loading.stderr).toMatch(/dockwright\.ts:2:\d+: the definitions file called process\.exit\(0\) while loading/);
    const later = run(`setTimeout(() => process.exit(0), 0);`, ['synth']);
    expect(later.code).toBe(2);
    expect(later.stderr).toMatch(/dockwright\.ts:2:\d+: the definitions file called process\.exit\(0\)/);
  });

  test('an unhandled rejection is reported at its line (exit 2), not as a raw stack', () => {
    const result = run(`Promise.reject(new Error('forgotten'));`);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dockwright: dockwright\.ts:2:\d+: a promise of the definitions file was rejected and nothing handled it: forgotten\n$/);
  });
});

test('Ctrl-C during synth: a message, every file old or new and whole, no temporary file left', async () => {
  const { spawn } = await import('node:child_process');
  const { readdirSync, readFileSync } = await import('node:fs');
  const count = 400;
  const lines = Array.from(
    { length: count },
    (_, i) => `export const image${i} = from('alpine').run('echo ${i}').$meta({ dockerfile: 'out/${i}.Dockerfile' });`,
  );
  const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\n${lines.join('\n')}\n` });
  const child = spawn(process.execPath, [BIN, 'synth'], { cwd: dir, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes('created') && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(130);
  const written = Number(/interrupted: (\d+) Dockerfiles? written, (\d+) left as/.exec(stderr)?.[1]);
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThan(count);
  const files = readdirSync(join(dir, 'out'));
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(files).toHaveLength(written);
  for (const file of files) expect(readFileSync(join(dir, 'out', file), 'utf8')).toMatch(/^# Generated by dockwright.*\nFROM alpine\nRUN echo \d+\n$/);
});
