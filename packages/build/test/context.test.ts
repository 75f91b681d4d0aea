import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extract } from 'tar-stream';
import { describe, expect, test } from 'vitest';
import { contextDigest, contextEntries, contextFilter, packContext } from '@dockwright/build';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockwright-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const spec = (dir: string, dockerfileIgnore?: string) => ({ dir, dockerfile: 'FROM scratch\n', dockerfileIgnore });

describe('the build context', () => {
  test('a socket is left out, as docker does; a named pipe is refused by name instead of read for ever', async () => {
    const dir = folder({ 'a.txt': 'one' });
    const server = createServer().listen(join(dir, 'agent.sock'));
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect(contextEntries(dir, contextFilter(spec(dir)))).toEqual(['a.txt']);
      expect(contextDigest(spec(dir), contextFilter(spec(dir)), {})).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      server.close();
    }
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(() => contextDigest(spec(dir), contextFilter(spec(dir)), {})).toThrow(`pipe in the build context (${dir}) is a named pipe (FIFO), which cannot be sent: add it to .dockerignore.`);
    writeFileSync(join(dir, '.dockerignore'), 'pipe\n');
    expect(contextEntries(dir, contextFilter(spec(dir)))).toEqual(['.dockerignore', 'a.txt']);
  });

  test('.dockerignore with Docker semantics: folders, globs and ! exceptions', () => {
    const dir = folder({
      '.dockerignore': 'logs\n*.tmp\nsrc/**/*.test.ts\n!logs/keep.log\n',
      'logs/a.log': '',
      'logs/keep.log': '',
      'x.tmp': '',
      'src/app.ts': '',
      'src/deep/app.test.ts': '',
      'README.md': '',
    });
    expect(contextEntries(dir, contextFilter(spec(dir)))).toEqual(['.dockerignore', 'README.md', 'logs/keep.log', 'src/app.ts']);
  });

  test('<Dockerfile>.dockerignore replaces the context .dockerignore', () => {
    const dir = folder({ '.dockerignore': 'a.txt\n', 'a.txt': '', 'b.txt': '', 'api/Dockerfile.dockerignore': 'b.txt\n' });
    expect(contextEntries(dir, contextFilter(spec(dir, join(dir, 'api/Dockerfile.dockerignore'))))).toContain('a.txt');
    expect(contextEntries(dir, contextFilter(spec(dir, join(dir, 'api/Dockerfile.dockerignore'))))).not.toContain('b.txt');
  });

  test('the digest changes with a file, its mode, the Dockerfile or the arguments, and only then', () => {
    const dir = folder({ 'a.txt': 'one' });
    const filter = contextFilter(spec(dir));
    const digest = (settings: Record<string, unknown> = {}, dockerfile = 'FROM scratch\n') => contextDigest({ dir, dockerfile }, filter, settings);
    const first = digest();
    expect(digest()).toBe(first);
    expect(digest({ buildArgs: { A: '1' } })).not.toBe(first);
    expect(digest({}, 'FROM alpine\n')).not.toBe(first);
    writeFileSync(join(dir, 'a.txt'), 'two');
    expect(digest()).not.toBe(first);
  });

  test('a link that points outside the context is sent as a link, never followed', async () => {
    const outside = folder({ 'secret.txt': 'do not send' });
    const dir = folder({ 'a.txt': 'a' });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'link'));
    const packed = packContext(spec(dir), contextFilter(spec(dir)));
    const entries = new Map<string, { type: string; linkname: string | null | undefined; content: string }>();
    const reader = extract();
    reader.on('entry', (header, stream, next) => {
      let content = '';
      stream.on('data', (chunk: unknown) => (content += String(chunk)));
      stream.on('end', () => {
        entries.set(header.name, { type: header.type ?? 'file', linkname: header.linkname, content });
        next();
      });
    });
    await new Promise<void>((resolve, reject) => packed.stream.pipe(reader).on('finish', resolve).on('error', reject));
    expect(entries.get('link')).toEqual({ type: 'symlink', linkname: join(outside, 'secret.txt'), content: '' });
    expect([...entries.values()].some((e) => e.content.includes('do not send'))).toBe(false);
    // The Dockerfile travels under a random name that the uploaded .dockerignore lists.
    expect(entries.get(packed.dockerfileName)?.content).toBe('FROM scratch\n');
    expect(entries.get('.dockerignore')?.content).toBe(`${packed.dockerfileName}\n`);
  });
});
