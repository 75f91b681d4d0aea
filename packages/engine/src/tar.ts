import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ContextEntry, ContextSpec } from './context.js';
import { buildError } from './errors.js';

/** What the classic builder gets: the context as a tar, with the Dockerfile inside it under this name. */
export interface PackedContext {
  readonly stream: Readable;
  readonly dockerfileName: string;
}

/**
 * The Dockerfile's name in the upload. Fixed, not random: the uploaded `.dockerignore` lists it
 * (so the engine leaves it out of the context, as it does for the docker CLI's), and a
 * `.dockerignore` that changed at every build would change `COPY . .` at every build.
 */
export const UPLOADED_DOCKERFILE = '.dockerfile.dockwright';

/**
 * Streams the context to the classic builder as a tar, made as it is read (never whole in
 * memory), as the docker CLI sends it: the entries of `walkContext`, owned by root (the CLI's
 * ChownOpts), plus the Dockerfile. The engine reads the uploaded `.dockerignore` and removes the
 * files it names from the context: it names the Dockerfile, and itself when the context had no
 * `.dockerignore`, so that the image gets exactly the context's files. (When the context has a
 * `.dockerignore` of its own that does not name itself, `COPY .` copies it, as `docker build`
 * does, with the one line naming the Dockerfile added.)
 */
export function packContext(spec: ContextSpec, entries: readonly ContextEntry[], hasDockerignore: boolean): PackedContext {
  let dockerfileName = UPLOADED_DOCKERFILE;
  for (let n = 1; entries.some((e) => e.rel === dockerfileName); n++) dockerfileName = `${UPLOADED_DOCKERFILE}-${n}`;
  const own = join(spec.dir, '.dockerignore');
  const original = hasDockerignore && existsSync(own) ? readFileSync(own, 'utf8') : undefined;
  const ignoreText =
    original === undefined ? `.dockerignore\n${dockerfileName}\n` : `${original}${original === '' || original.endsWith('\n') ? '' : '\n'}${dockerfileName}\n`;
  const ignoreEntry = entries.find((e) => e.rel === '.dockerignore');

  const now = Date.now();
  const extra: TarEntry[] = [
    { name: dockerfileName, type: 'file', mode: 0o600, mtimeMs: now, content: Buffer.from(spec.dockerfile) },
    { name: '.dockerignore', type: 'file', mode: ignoreEntry?.mode ?? 0o644, mtimeMs: ignoreEntry?.mtimeMs ?? now, content: Buffer.from(ignoreText) },
  ];
  // The context's own .dockerignore is written last, with the Dockerfile's name added.
  const sent = entries
    .filter((e) => e.rel !== '.dockerignore')
    .map((e): TarEntry => ({ name: e.rel, type: e.type, mode: e.mode, mtimeMs: e.mtimeMs, size: e.size, path: e.path, linkname: e.linkname }));
  return { stream: tarStream([...sent, ...extra]), dockerfileName };
}

/** One entry of a tar: a file read from `path` (or given as `content`), a folder, or a link. */
interface TarEntry {
  readonly name: string;
  readonly type: 'directory' | 'file' | 'symlink';
  readonly mode: number;
  readonly mtimeMs: number;
  readonly size?: number;
  readonly path?: string;
  readonly content?: Buffer;
  readonly linkname?: string | undefined;
}

/** The size of the chunks the stream hands out; files up to about this size are read in one call. */
const CHUNK = 1 << 20;

/**
 * A tar stream (POSIX ustar, with PAX records for what ustar cannot hold: long names and links,
 * sizes from 8 GiB), made as it is read: each `read()` fills one chunk with headers and file
 * bytes, read synchronously straight into the chunk (a large file a chunk at a time), so memory
 * stays at a chunk or two and a context of many small files costs about what GNU tar costs (the
 * system calls, not JavaScript). Owners are root, as the docker CLI sends them; a file that
 * changed size since the walk fails the stream, naming it.
 */
function tarStream(entries: readonly TarEntry[]): Readable {
  let index = 0;
  let zeros = 0; // padding still to write
  let open: { fd: number; entry: TarEntry; left: number } | undefined;
  let finished = false;
  const fill = (): Buffer | null => {
    if (finished) return null;
    const buffer = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      if (zeros > 0) {
        const n = Math.min(zeros, CHUNK - pos);
        buffer.fill(0, pos, pos + n);
        pos += n;
        zeros -= n;
        if (zeros > 0) break;
      }
      if (open) {
        if (pos === CHUNK) break;
        const n = Math.min(open.left, CHUNK - pos);
        if (readSync(open.fd, buffer, pos, n, null) !== n) throw changed(open.entry);
        pos += n;
        open.left -= n;
        if (open.left > 0) break;
        closeSync(open.fd);
        zeros = paddingOf(open.entry.size ?? 0);
        open = undefined;
        continue;
      }
      if (index === entries.length) {
        index++;
        zeros = 1024; // two empty blocks end the archive
        continue;
      }
      if (index > entries.length) {
        finished = true;
        break;
      }
      const entry = entries[index]!;
      const size = entry.type !== 'file' ? 0 : (entry.content?.length ?? entry.size ?? 0);
      const head = header(entry, size);
      const whole = head.length + size;
      // What does not fit goes in the next chunk; a file larger than a chunk is streamed.
      if (pos > 0 && whole > CHUNK - pos && (whole <= CHUNK || head.length > CHUNK - pos)) break;
      index++;
      head.copy(buffer, pos);
      pos += head.length;
      if (size === 0) continue;
      if (entry.content !== undefined) {
        entry.content.copy(buffer, pos);
        pos += size;
        zeros = paddingOf(size);
        continue;
      }
      const fd = openFile(entry);
      if (size <= CHUNK - pos) {
        let got: number;
        try {
          got = readSync(fd, buffer, pos, size, 0);
        } finally {
          closeSync(fd);
        }
        if (got !== size) throw changed(entry);
        pos += size;
        zeros = paddingOf(size);
      } else {
        open = { fd, entry, left: size };
      }
    }
    return pos === 0 ? null : buffer.subarray(0, pos);
  };
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      try {
        this.push(fill());
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      if (open) closeSync(open.fd);
      open = undefined;
      callback(error);
    },
  });
}

function openFile(entry: TarEntry): number {
  try {
    return openSync(entry.path!, 'r');
  } catch (error) {
    throw buildError('build.context', `Could not read ${entry.name} in the build context: ${(error as Error).message}`, error);
  }
}

function changed(entry: TarEntry): Error {
  return buildError(
    'build.context',
    `${entry.name} in the build context changed while it was being sent (it is no longer ${entry.size} bytes): build again once it is written.`,
  );
}

/** How many zeros fill up to the next 512-byte block. */
function paddingOf(size: number): number {
  const rest = size % 512;
  return rest === 0 ? 0 : 512 - rest;
}

const TYPE_FLAG = { file: '0', symlink: '2', directory: '5' } as const;

/** The header block(s) of an entry: a PAX record first when ustar cannot hold its name, link or size. */
function header(entry: TarEntry, size: number): Buffer {
  const name = entry.type === 'directory' ? `${entry.name}/` : entry.name;
  const linkname = entry.linkname ?? '';
  const pax: Record<string, string> = {};
  const split = splitName(name);
  if (split === undefined) pax.path = name;
  if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
  if (size > 0o77777777777) pax.size = String(size);
  const main = ustar({
    ...(split ?? { name: name.slice(0, 100), prefix: '' }),
    mode: entry.mode,
    size: pax.size ? 0 : size,
    mtime: Math.floor(entry.mtimeMs / 1000),
    type: TYPE_FLAG[entry.type],
    linkname: pax.linkpath ? '' : linkname,
  });
  if (Object.keys(pax).length === 0) return main;
  const body = Buffer.from(
    Object.entries(pax)
      .map(([key, value]) => paxRecord(key, value))
      .join(''),
  );
  const paxHeader = ustar({ name: 'PaxHeader', prefix: '', mode: 0o644, size: body.length, mtime: Math.floor(entry.mtimeMs / 1000), type: 'x', linkname: '' });
  return Buffer.concat([paxHeader, body, Buffer.alloc(paddingOf(body.length)), main]);
}

/** `len key=value\n`, where len counts itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length = String(length).length + Buffer.byteLength(rest);
  return `${length}${rest}`;
}

/** A name as ustar holds it: up to 100 bytes, or a prefix of up to 155 and a name of 100 split at a `/`; else undefined. */
function splitName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
  }
  return undefined;
}

function ustar(fields: { name: string; prefix: string; mode: number; size: number; mtime: number; type: string; linkname: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  octal(block, 100, 8, fields.mode & 0o7777);
  octal(block, 108, 8, 0); // uid: root
  octal(block, 116, 8, 0); // gid: root
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, Math.max(0, fields.mtime));
  block.write('        ', 148, 8, 'ascii'); // the checksum counts its own field as spaces
  block.write(fields.type, 156, 1, 'ascii');
  block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 8, 'binary');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}
