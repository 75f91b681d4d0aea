import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, chmodSync, utimesSync, lstatSync } from 'node:fs';
import { basename, dirname, join, normalize, sep } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { createRequire } from 'node:module';
import type TarStream from 'tar-stream';
import { buildError } from '../errors.js';

/**
 * Where an exporter's bytes go. Nothing lands at the destination until the build succeeded:
 * a file is written beside it under a temporary name and renamed, a folder's files are unpacked
 * into a temporary folder and moved in; a failed or cancelled build removes what it wrote.
 */
export interface Sink {
  /** Opened when BuildKit starts sending. */
  open(): Writable;
  /** The build succeeded: move what arrived into place. */
  commit(): Promise<void>;
  /** The build failed: remove what arrived. */
  abort(): void;
}

function temporaryBeside(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.dockwright-${randomBytes(4).toString('hex')}.tmp`);
}

/** A tar, OCI or docker archive written to `dest`. */
export function fileSink(dest: string): Sink {
  const temporary = temporaryBeside(dest);
  let written: Promise<void> | undefined;
  return {
    open() {
      mkdirSync(dirname(dest), { recursive: true });
      const out = createWriteStream(temporary, { mode: 0o644 });
      written = new Promise((resolve, reject) => {
        out.on('finish', resolve);
        out.on('error', reject);
      });
      return out;
    },
    async commit() {
      if (!written) throw buildError('build.stepFailed', `BuildKit sent nothing for ${dest}.`);
      await written;
      renameSync(temporary, dest);
    },
    abort() {
      rmSync(temporary, { force: true });
    },
  };
}

/**
 * The files of the result unpacked into the folder `dest` (buildx's `type=local`): BuildKit
 * sends them as a tar (its tar exporter), unpacked here with paths kept inside `dest`. Files
 * already in `dest` that the result does not have are left alone, as buildx does.
 */
export function folderSink(dest: string): Sink {
  const temporary = temporaryBeside(dest);
  let unpacked: Promise<void> | undefined;
  return {
    open() {
      mkdirSync(temporary, { recursive: true });
      const input = new PassThrough();
      // Loaded when a folder output is unpacked, not before.
      const extract = (createRequire(import.meta.url)('tar-stream') as typeof TarStream).extract();
      unpacked = new Promise((resolve, reject) => {
        extract.on('entry', (header, stream, next) => {
          try {
            writeEntry(temporary, header, stream as unknown as Readable, next);
          } catch (error) {
            stream.resume();
            reject(error);
          }
        });
        extract.on('finish', resolve);
        extract.on('error', reject);
      });
      input.pipe(extract);
      return input;
    },
    async commit() {
      if (!unpacked) throw buildError('build.stepFailed', `BuildKit sent nothing for ${dest}.`);
      await unpacked;
      mkdirSync(dest, { recursive: true });
      moveInto(temporary, dest);
      rmSync(temporary, { recursive: true, force: true });
    },
    abort() {
      rmSync(temporary, { recursive: true, force: true });
    },
  };
}

interface TarHeader {
  readonly name: string;
  readonly mode?: number | undefined;
  readonly mtime?: Date | undefined;
  readonly type?: string | null | undefined;
  readonly linkname?: string | null | undefined;
}

function writeEntry(root: string, header: TarHeader, stream: Readable, next: () => void): void {
  const name = normalize(header.name).replace(/^(\.\/)+/, '');
  if (name === '.' || name === '') {
    stream.resume();
    stream.on('end', next);
    return;
  }
  if (name.startsWith(`..${sep}`) || name === '..' || name.startsWith(sep))
    throw buildError('build.stepFailed', `The result holds a path outside its folder: ${header.name}`);
  const path = join(root, name);
  mkdirSync(dirname(path), { recursive: true });
  const mode = (header.mode ?? 0o644) & 0o7777;
  const finish = (): void => {
    if (header.mtime && header.type !== 'symlink') utimesSync(path, header.mtime, header.mtime);
    next();
  };
  switch (header.type) {
    case 'directory':
      mkdirSync(path, { recursive: true });
      chmodSync(path, mode);
      stream.resume();
      stream.on('end', finish);
      return;
    case 'symlink':
      symlinkSync(header.linkname ?? '', path);
      stream.resume();
      stream.on('end', finish);
      return;
    case 'file':
    case 'contiguous-file': {
      const out = createWriteStream(path, { mode });
      stream.pipe(out);
      out.on('finish', () => {
        chmodSync(path, mode);
        finish();
      });
      return;
    }
    default:
      // Devices, fifos, hard links: not what an export to a folder is for.
      stream.resume();
      stream.on('end', next);
  }
}

/** Moves every entry of `from` into `to`, replacing files of the same name, merging folders. */
function moveInto(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (existing?.isDirectory() && statSync(source).isDirectory() && !lstatSync(source).isSymbolicLink()) {
      moveInto(source, target);
      continue;
    }
    if (existing) rmSync(target, { recursive: true, force: true });
    renameSync(source, target);
  }
}
