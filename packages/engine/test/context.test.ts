import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { describe, expect, test } from 'vitest';
import { from } from 'dockwright';
import { contextEntries, contextFilter, dockerfileInputs, inputDigest, packContext, walkContext, type BuildInputs } from '@dockwright/engine';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockwright-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const spec = (dir: string, dockerfileIgnore?: string) => ({ dir, dockerfile: 'FROM scratch\n', dockerfileIgnore });

/** The entries of the tar `packContext` streams: name, type, mode, owner and content. */
async function unpack(dir: string): Promise<Map<string, { type: string; mode: number; uid: number; linkname: string | null | undefined; content: string }>> {
  const filter = contextFilter(spec(dir));
  const packed = packContext(spec(dir), walkContext(dir, filter), filter.hasDockerignore);
  const entries = new Map<string, { type: string; mode: number; uid: number; linkname: string | null | undefined; content: string }>();
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    let content = '';
    stream.on('data', (chunk: unknown) => (content += String(chunk)));
    stream.on('end', () => {
      entries.set(header.name, { type: header.type ?? 'file', mode: header.mode ?? 0, uid: header.uid ?? -1, linkname: header.linkname, content });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => packed.stream.pipe(reader).on('finish', resolve).on('error', reject));
  return entries;
}

describe('the build context', () => {
  test('a socket is left out, as docker does; a named pipe is refused by name instead of read for ever', async () => {
    const dir = folder({ 'a.txt': 'one' });
    const server = createServer().listen(join(dir, 'agent.sock'));
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect(contextEntries(dir, contextFilter(spec(dir)))).toEqual(['a.txt']);
    } finally {
      server.close();
    }
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(() => walkContext(dir, contextFilter(spec(dir)))).toThrow(
      `pipe in the build context (${dir}) is a named pipe (FIFO), which cannot be sent: add it to .dockerignore.`,
    );
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

  test('with `*` and `!keep`, only keep is sent: excluded folders are not sent empty', () => {
    const dir = folder({ '.dockerignore': '*\n!keep\n', 'keep/a.txt': 'a', 'drop/b.txt': 'b', 'drop/deep/c.txt': 'c', 'top.txt': 't' });
    const entries = walkContext(dir, contextFilter(spec(dir)));
    expect(entries.map((e) => `${e.type} ${e.rel}`)).toEqual(['directory keep', 'file keep/a.txt']);
    // `!drop/deep/c.txt` brings back that file, and the docker CLI walks `drop` for it without sending `drop` itself.
    writeFileSync(join(dir, '.dockerignore'), '*\n!drop/deep/c.txt\n');
    expect(walkContext(dir, contextFilter(spec(dir))).map((e) => `${e.type} ${e.rel}`)).toEqual(['file drop/deep/c.txt']);
  });

  test('<Dockerfile>.dockerignore replaces the context .dockerignore', () => {
    const dir = folder({ '.dockerignore': 'a.txt\n', 'a.txt': '', 'b.txt': '', 'api/Dockerfile.dockerignore': 'b.txt\n' });
    expect(contextEntries(dir, contextFilter(spec(dir, join(dir, 'api/Dockerfile.dockerignore'))))).toContain('a.txt');
    expect(contextEntries(dir, contextFilter(spec(dir, join(dir, 'api/Dockerfile.dockerignore'))))).not.toContain('b.txt');
  });

  test('the tar holds the files owned by root, the Dockerfile under a fixed name, and a .dockerignore that removes both', async () => {
    const dir = folder({ 'a.txt': 'a' });
    chmodSync(join(dir, 'a.txt'), 0o640);
    const entries = await unpack(dir);
    expect(entries.get('a.txt')).toMatchObject({ type: 'file', mode: 0o640, uid: 0, content: 'a' });
    expect(entries.get('.dockerfile.dockwright')?.content).toBe('FROM scratch\n');
    // No .dockerignore of the user's: the uploaded one names itself, so the image has none.
    expect(entries.get('.dockerignore')?.content).toBe('.dockerignore\n.dockerfile.dockwright\n');
    // The user's own .dockerignore is kept, with the one line the engine needs.
    writeFileSync(join(dir, '.dockerignore'), 'secret.txt');
    expect((await unpack(dir)).get('.dockerignore')?.content).toBe('secret.txt\n.dockerfile.dockwright\n');
    // Same inputs, same bytes of .dockerignore: `COPY . .` keeps its cache.
    expect((await unpack(dir)).get('.dockerignore')?.content).toBe('secret.txt\n.dockerfile.dockwright\n');
  });

  test('a link that points outside the context is sent as a link, never followed', async () => {
    const outside = folder({ 'secret.txt': 'do not send' });
    const dir = folder({ 'a.txt': 'a' });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'link'));
    const entries = await unpack(dir);
    expect(entries.get('link')).toMatchObject({ type: 'symlink', linkname: join(outside, 'secret.txt'), content: '' });
    expect([...entries.values()].some((e) => e.content.includes('do not send'))).toBe(false);
  });
});

describe('the digest of build inputs', () => {
  const inputs = (dir: string, image = from('alpine').copy('.', '/app'), settings: Record<string, unknown> = {}): BuildInputs => {
    const entries = walkContext(dir, contextFilter(spec(dir)));
    return { dockerfile: 'FROM alpine\n', settings, entries, uses: dockerfileInputs(image.toIR(), {}).context, images: {} };
  };

  test('changes with a file, its mode, a nested setting, an image id; and only then', async () => {
    const dir = folder({ 'a.txt': 'one' });
    const first = await inputDigest(inputs(dir));
    expect(await inputDigest(inputs(dir))).toBe(first);
    expect(await inputDigest(inputs(dir, undefined, { buildArgs: { A: '1' } }))).not.toBe(await inputDigest(inputs(dir, undefined, { buildArgs: { A: '2' } })));
    expect(await inputDigest(inputs(dir, undefined, { labels: { a: 'x' } }))).not.toBe(await inputDigest(inputs(dir, undefined, { labels: { a: 'y' } })));
    expect(await inputDigest({ ...inputs(dir), images: { alpine: 'sha256:1' } })).not.toBe(
      await inputDigest({ ...inputs(dir), images: { alpine: 'sha256:2' } }),
    );
    chmodSync(join(dir, 'a.txt'), 0o755);
    const moded = await inputDigest(inputs(dir));
    expect(moded).not.toBe(first);
    writeFileSync(join(dir, 'a.txt'), 'two');
    expect(await inputDigest(inputs(dir))).not.toBe(moded);
  });

  test('covers only the files the image reads', async () => {
    const dir = folder({ 'src/app.js': 'app', 'README.md': 'docs', 'dockwright.ts': 'defs' });
    const image = from('node').copy('src/', '/app/').copy('package*.json', '/app/');
    const before = await inputDigest(inputs(dir, image));
    writeFileSync(join(dir, 'README.md'), 'docs, edited');
    writeFileSync(join(dir, 'dockwright.ts'), 'defs // a comment');
    expect(await inputDigest(inputs(dir, image))).toBe(before);
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    const withLock = await inputDigest(inputs(dir, image));
    expect(withLock).not.toBe(before);
    writeFileSync(join(dir, 'src/app.js'), 'app, edited');
    expect(await inputDigest(inputs(dir, image))).not.toBe(withLock);
  });

  test('reads a large file in bounded memory', async () => {
    const dir = folder({});
    const big = join(dir, 'big.bin');
    execFileSync('truncate', ['-s', '400M', big]);
    const before = process.memoryUsage().rss;
    await inputDigest(inputs(dir));
    // Reading it whole would add 400 MB; streaming adds a few buffers.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('what a Dockerfile reads', () => {
  const reads = (image: ReturnType<typeof from>, paths: string[]) => {
    const { context } = dockerfileInputs(image.toIR(), {});
    return context.all ? 'all' : paths.filter((p) => context.matches(p));
  };
  const paths = ['src', 'src/a.js', 'src/lib/b.js', 'srcs/c.js', 'package.json', 'package-lock.json', 'README.md', 'a[1].txt'];

  test('COPY and ADD sources, with wildcards, folders and what is under them', () => {
    expect(reads(from('alpine').copy('src/', '/app/'), paths)).toEqual(['src', 'src/a.js', 'src/lib/b.js']);
    expect(reads(from('alpine').copy(['package*.json', './README.md'], '/app/'), paths)).toEqual(['package.json', 'package-lock.json', 'README.md']);
    expect(reads(from('alpine').add('src/*.js', '/app/'), paths)).toEqual(['src/a.js']);
    expect(reads(from('alpine').copy('a\\[1\\].txt', '/x'), paths)).toEqual(['a[1].txt']);
    expect(reads(from('alpine').copy('.', '/app'), paths)).toBe('all');
    expect(reads(from('alpine').run('make', { mount: { type: 'bind', target: '/src' } }), paths)).toBe('all');
    expect(reads(from('alpine').run('make', { mount: { type: 'bind', target: '/src', source: 'src' } }), paths)).toEqual(['src', 'src/a.js', 'src/lib/b.js']);
    // From another stage or image, or inline: nothing of the context.
    expect(
      reads(
        from('alpine')
          .copy({ from: from('golang').run('go build'), src: '/out', dest: '/app' })
          .copy({ content: 'x', dest: '/x' }),
        paths,
      ),
    ).toEqual([]);
  });

  test('a remote ADD without a checksum can change at any time: the image is never called up to date', () => {
    expect(dockerfileInputs(from('alpine').add('https://example.com/a.tgz', '/a').toIR(), {}).unpinned).toMatch(
      /ADD https:\/\/example\.com\/a\.tgz can change/,
    );
    expect(
      dockerfileInputs(
        from('alpine')
          .add('https://example.com/a.tgz', '/a', { checksum: 'sha256:' + 'a'.repeat(64) })
          .toIR(),
        {},
      ).unpinned,
    ).toBeUndefined();
  });

  test('the images it builds on, with build arguments applied; stages are not images', () => {
    const build = from('golang:1.23', { as: 'build' });
    const image = from('alpine:3.20').copy({ from: build, src: '/a', dest: '/a' }).copy('/etc/x', '/x', { from: 'busybox:1' });
    expect([...dockerfileInputs(image.toIR(), {}).images].sort()).toEqual(['alpine:3.20', 'busybox:1', 'golang:1.23']);
  });
});
