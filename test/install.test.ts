import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

/**
 * dockwright installed as a user installs it: the packages packed as they would be published,
 * installed with npm into a fresh folder outside the workspace (their dependencies from the npm
 * registry), a definitions file type-checked there with tsc, and `npx dockwright synth` run on it.
 */
const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'dockwright-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('pack, npm install into a fresh project, tsc, npx dockwright synth', () => {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const pkg of ['dockwright', 'engine', 'codegen', 'cli']) {
    // pnpm pack turns workspace:* into the packages' versions, as publishing does.
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(ROOT, 'packages', pkg), stdio: 'pipe' });
  }
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-images', private: true, type: 'module' }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  const installed = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, 'typescript@5.9.3', '@types/node@20.19.43'], {
    cwd: project,
    encoding: 'utf8',
    timeout: 600_000,
  });
  expect(installed.status, installed.stderr).toBe(0);

  writeFileSync(
    join(project, 'dockwright.ts'),
    `import { from } from 'dockwright';\nexport const redis = from('alpine:3.20').run('apk add --no-cache redis').expose(6379).cmd(['redis-server']).$meta({ name: 'redis' });\n`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'] },
      include: ['dockwright.ts'],
    }),
  );
  const checked = spawnSync('npx', ['tsc', '-p', '.'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  expect(checked.status, checked.stdout + checked.stderr).toBe(0);

  const synth = spawnSync('npx', ['dockwright', 'synth'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  expect(synth.status, synth.stderr).toBe(0);
  expect(synth.stdout).toBe('FROM alpine:3.20\nRUN apk add --no-cache redis\nEXPOSE 6379\nCMD ["redis-server"]\n');

  // A mistake in the definitions is the compiler's to catch, with words.
  writeFileSync(join(project, 'dockwright.ts'), `import { from } from 'dockwright';\nexport const redis = from('alpine').cmd(['a']).cmd(['b']);\n`);
  const refused = spawnSync('npx', ['tsc', '-p', '.'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  expect(refused.status).not.toBe(0);
  expect(refused.stdout).toContain('CMD is already set in this stage');
}, 900_000);
