import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { scanCalls } from '../src/builder/call-sites.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dockwright-call-sites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Definitions written every way the scan must follow or give up on: chains over many lines and on
// one line, stages kept in variables and extended later, a helper in another file called twice,
// callbacks that call the very method the outer chain calls next, a renamed import, and text
// that only looks like calls (strings, comments, templates, regular expressions).
const HELPER = `import { from } from ${JSON.stringify(DIST)};
export function service(name) {
  return from('node:20').workdir('/srv/' + name)
    .env('NAME', name);
}
export const shared = from('alpine').run('apk add curl');
`;

// Imported first, so that the helper's chains are made under the same settings.
const SETUP = `import { readFileSync } from 'node:fs';
import { configureCallSites } from ${JSON.stringify(DIST)};
const mode = process.env.CALL_SITES;
if (mode !== 'none') configureCallSites({ readSource: (file) => readFileSync(file, 'utf8'), captureEveryCall: mode === 'stack' });
const capture = Error.captureStackTrace;
globalThis.captures = 0;
Error.captureStackTrace = function (...args) {
  globalThis.captures++;
  return capture.apply(this, args);
};
`;

const MAIN = `import './setup.mjs';
import { from, from as image, arg } from ${JSON.stringify(DIST)};
import { service, shared } from './helper.mjs';
const text = "from('x').run('y')"; // from('a').cmd(['b'])
/* from('c').run('d') */ const re = /from\\('e'\\)\\.run\\(/g;
export const images = {};
images.chain = from('alpine')
  .workdir('/app')
  .env('A', '1').env('B', \`\${text}\`).label('l', '1')
  .run('make')   .cmd(['x']);
const base = from('debian').run('apt-get update');
images.later = base.run('apt-get install -y curl')
  .user('app');
images.branch = base.user('other').run(\`echo \${[1, 2].map((n) => n * 2).join(',')}\`);
images.helperA = service('a').run('npm ci').cmd(['a']);
images.helperB = service('b')
  .cmd(['b']);
images.shared = shared.run('curl x')
  .expose(80);
images.apply = from('alpine').$apply((s) => s.run('inner one').$apply((t) => t.run('inner two'))).run('outer');
images.coincide = from('alpine').$apply((s) => s.$apply((t) => t.run('deep'))).$apply((s) => s).run('after');
images.when = from('alpine').$if(false, (s) => s.run('no')).run('yes').$if(true, (s) => s.env('C', '3'), (s) => s).cmd(['c']);
images.renamed = image('busybox').run('sh -c true');
images.onbuild = from('alpine').onbuild((s) => s.run('one').copy('.', '/src')).run('after onbuild');
images.named = from('alpine').as('build').$blank(2).comment('c').$meta({ name: 'x' }).run('named');
const v = arg('V', '1');
images.args = from('alpine').arg(v).copy({ src: 'a', dest: '/a' }).copy({ from: images.chain, src: '/b', dest: '/b' });
images.optional = from('alpine')?.run('optional')?.cmd(['o']);
for (const i of [1, 2]) images['loop' + i] = from('alpine').run('loop ' + i);
const sites = {};
for (const [key, stage] of Object.entries(images)) {
  const file = stage.toIR();
  const locs = [];
  for (const s of file.stages) {
    locs.push(s.from.loc);
    for (const n of s.instructions) locs.push(n.loc, n.kind === 'onbuild' ? n.trigger.loc : undefined);
  }
  sites[key] = locs.filter(Boolean).map((l) => l.file.split('/').pop() + ':' + l.line + ':' + l.column);
}
console.log(JSON.stringify({ sites, captures: globalThis.captures }));
`;

/** `scan`: a source reader, the scan's positions; `stack`: a capture per call; `none`: no reader (so a capture per call). */
function sitesOf(mode: 'scan' | 'stack' | 'none'): { sites: Record<string, string[]>; captures: number } {
  writeFileSync(join(dir, 'setup.mjs'), SETUP);
  writeFileSync(join(dir, 'helper.mjs'), HELPER);
  writeFileSync(join(dir, 'main.mjs'), MAIN);
  const out = execFileSync(process.execPath, [join(dir, 'main.mjs')], { env: { ...process.env, CALL_SITES: mode }, encoding: 'utf8' });
  return JSON.parse(out) as { sites: Record<string, string[]>; captures: number };
}

describe('call sites', () => {
  test('positions taken from the source are the ones a stack capture per call gives', () => {
    const scan = sitesOf('scan');
    const stack = sitesOf('stack');
    const none = sitesOf('none');
    const captured = stack.sites;
    expect(scan.sites).toEqual(captured);
    // The SDK reads no files: a host that hands it no reader gets the same positions, each call capturing its stack.
    expect(none.sites).toEqual(captured);
    expect(none.captures).toBe(stack.captures);
    // With the reader, chains written out in the source cost one capture each.
    expect(scan.captures).toBeLessThan(stack.captures / 2);
    const all = Object.values(captured).flat();
    expect(all.length).toBeGreaterThan(60);
    expect(new Set(all.map((s) => s.split(':')[0]))).toEqual(new Set(['main.mjs', 'helper.mjs']));
    // Spot checks against the text itself.
    const lines = MAIN.split('\n');
    const at = (needle: string, offset = 0): string => {
      const line = lines.findIndex((l) => l.includes(needle));
      return `main.mjs:${line + 1}:${lines[line]!.indexOf(needle) + 1 + offset}`;
    };
    expect(captured.chain).toEqual([
      at("from('alpine')\n".trim().slice(0, 14)),
      at(".workdir('/app')", 1),
      at(".env('A'", 1),
      at(".env('B'", 1),
      at(".label('l'", 1),
      at(".run('make')", 1),
      at(".cmd(['x'])", 1),
    ]);
    expect(captured.later).toContain(at(".run('apt-get install", 1));
    expect(captured.later).toContain(at(".user('app')", 1));
  });

  test('the scan skips strings, comments, templates and regular expressions', () => {
    const source = [
      "const a = \"x.run('no')\"; // y.run('no')",
      "/* z.run('no') */ const r = /q.run\\(/; const t = `${from('t').env('K', `${k.cmd()}`)}`;",
      "from('a')!.run('b')",
      '  ?.cmd(1 / 2 / 3);',
    ].join('\n');
    const { callsByLine } = scanCalls(source, 'f.ts');
    const names = [...callsByLine.values()].flat().map((c) => `${c.name}@${c.loc!.line}:${c.loc!.column}${c.next ? `>${c.next.name}` : ''}`);
    const col = (line: number, needle: string): number => source.split('\n')[line - 1]!.indexOf(needle) + 1;
    expect(names).toEqual([
      `from@2:${col(2, "from('t')")}>env`,
      `env@2:${col(2, "env('K'")}`,
      `cmd@2:${col(2, 'cmd()')}`,
      'from@3:1>run',
      'run@3:12>cmd',
      'cmd@4:5',
    ]);
  });

  test('positions read through a prepareStackTrace hook and with source maps are the same, and Error is left as it was', () => {
    const file = join(dir, 'modes.mjs');
    writeFileSync(
      file,
      `import { configureCallSites, from } from ${JSON.stringify(DIST)};
const mode = process.argv[2];
const hook = (error, frames) => 'Error\\n' + frames.map((f) => '    at ' + f.getFileName() + ':' + f.getLineNumber() + ':' + f.getColumnNumber()).join('\\n');
if (mode === 'hook') Error.prepareStackTrace = hook;
if (mode === 'mapped') { process.setSourceMapsEnabled(true); configureCallSites({ sourceMapped: true }); }
Error.stackTraceLimit = 7;
const before = Error.prepareStackTrace;
const ir = from('alpine')
  .run('x').toIR();
const stage = ir.stages[0];
console.log(JSON.stringify([stage.from.loc.line, stage.from.loc.column, stage.instructions[0].loc.line, stage.instructions[0].loc.column, Error.stackTraceLimit, Error.prepareStackTrace === before]));
`,
    );
    const expected = [8, 12, 9, 4, 7, true];
    for (const mode of ['plain', 'hook', 'mapped']) {
      const printed = execFileSync(process.execPath, [file, mode], { encoding: 'utf8' });
      expect([mode, JSON.parse(printed)]).toEqual([mode, expected]);
    }
  });

  test('a prepareStackTrace hook that rewrites positions (as source maps do) is asked once per position, and again when it changes', () => {
    const file = join(dir, 'rewritten.mjs');
    writeFileSync(
      file,
      `import { from } from ${JSON.stringify(DIST)};
let asked = 0;
const shifted = (by) => (error, frames) => { asked++; return 'Error\\n' + frames.map((f) => '    at ' + f.getFileName() + ':' + (f.getLineNumber() + by) + ':' + f.getColumnNumber()).join('\\n'); };
const seen = [];
const make = () => from('alpine').run('x');
for (const by of [1000, 1000, 1000, 2000, 2000]) {
  if (by !== Error.prepareStackTrace?.by) Error.prepareStackTrace = Object.assign(shifted(by), { by });
  const stage = make().toIR().stages[0];
  seen.push([stage.from.loc.line, stage.instructions[0].loc.line]);
}
console.log(JSON.stringify({ seen, asked }));
`,
    );
    const { seen, asked } = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })) as { seen: number[][]; asked: number };
    // from() and run() are on line 5: each comes out as the hook in place rewrites it, every time.
    expect(seen).toEqual([
      [1005, 1005],
      [1005, 1005],
      [1005, 1005],
      [2005, 2005],
      [2005, 2005],
    ]);
    // Without a source reader run() captures too: two positions, each formatted once per hook.
    expect(asked).toBe(4);
  });
});
