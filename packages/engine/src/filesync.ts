import { createReadStream, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
import type { ContextEntry } from './context.js';
import type { ServerCall, ServerMethod } from './grpc.js';
import { grpcMethod } from './protocol.js';

/**
 * BuildKit's FileSync, the sending side (tonistiigi/fsutil send.go): how a BuildKit build reads
 * the context and the Dockerfile from the client. BuildKit calls `DiffCopy` on the session for a
 * directory by name (`context`, `dockerfile`); we send a STAT packet per entry in walk order
 * (each folder's names sorted, a folder before what it holds), then an empty STAT; BuildKit asks
 * for the files it lacks by their index (REQ) and we send each in DATA packets, an empty one
 * ending it; a FIN from BuildKit is answered with FIN. The Dockerfile travels in a directory of
 * its own, so it is never part of the context (and never lands in the image).
 */
export interface SyncDirectory {
  /** Entries in walk order; a `content` entry is sent from memory instead of a file. */
  readonly entries: readonly SyncEntry[];
  /** The folder the entries are in, to stat a parent folder that was walked but not listed. */
  readonly root?: string | undefined;
}

export type SyncEntry = ContextEntry & { readonly content?: Buffer | undefined };

// Packet types (fsutil types/wire.proto).
const STAT = 0;
const REQ = 1;
const DATA = 2;
const FIN = 3;
const ERR = 4;

interface PacketMessage {
  readonly type?: number;
  readonly stat?: Record<string, unknown> | null;
  readonly ID?: number;
  readonly data?: Uint8Array;
}

/** FileSync's DiffCopy on a session, serving `directories`. */
export function fileSyncMethod(directories: ReadonlyMap<string, SyncDirectory>, onError: (error: Error) => void): ServerMethod {
  return { method: grpcMethod('moby.filesync.v1.FileSync/DiffCopy'), handle: (call) => serveDiffCopy(call as DiffCopyCall, directories, onError) };
}

/** The server side of a DiffCopy call. */
export type DiffCopyCall = ServerCall<PacketMessage>;

/** Serves one DiffCopy call from `directories` (by the `dir-name` BuildKit asks for). */
export function serveDiffCopy(call: DiffCopyCall, directories: ReadonlyMap<string, SyncDirectory>, onError: (error: Error) => void): void {
  const header = (key: string): string[] => {
    // Node joins the values of a repeated header with ", " (Go's client sends one field each).
    const values = call.metadata.get(key).flatMap((value) => String(value).split(', '));
    const encoded = String(call.metadata.get(`${key}-encoded`)[0] ?? '') === 'true';
    return encoded ? values.map((v) => decodeURIComponent(v.replace(/\+/g, ' '))) : values;
  };
  const name = header('dir-name')[0] ?? '';
  const directory = directories.get(name);
  if (directory === undefined) {
    call.destroy(Object.assign(new Error(`no access allowed to dir "${name}"`), { code: 5 /* NOT_FOUND */ }));
    return;
  }
  const entries = selectEntries(directory, {
    includes: [...header('include-patterns'), ...header('followpaths')],
    excludes: header('exclude-patterns'),
  });

  let ended = false;
  const write = (packet: object): Promise<void> => {
    if (ended) return Promise.resolve();
    return call.write(packet) ? Promise.resolve() : new Promise((resolve) => call.once('drain', () => resolve()));
  };
  const fail = (error: Error): void => {
    if (ended) return;
    void write({ type: ERR, data: Buffer.from(error.message) });
    ended = true;
    call.destroy(error);
    onError(error);
  };

  const files = new Map<number, SyncEntry>();
  // Files are sent one after the other, in the order they are asked for.
  let sending: Promise<void> = (async () => {
    for (const [id, entry] of entries.entries()) {
      if (entry.type === 'file') files.set(id, entry);
      await write({ type: STAT, stat: statOf(entry) });
    }
    await write({ type: STAT });
  })().catch(fail);
  call.on('data', (packet) => {
    const type = packet.type ?? STAT;
    if (type === REQ) {
      const id = packet.ID ?? 0;
      const entry = files.get(id);
      if (entry === undefined) return fail(new Error(`invalid file id ${id}`));
      files.delete(id);
      sending = sending.then(() => sendFile(entry, id, write)).catch(fail);
    } else if (type === FIN) {
      sending = sending.then(async () => {
        await write({ type: FIN });
        ended = true;
        call.end();
      });
    } else if (type === ERR) {
      fail(new Error(`BuildKit could not receive ${name}: ${Buffer.from(packet.data ?? []).toString()}`));
    }
  });
  call.on('error', (error) => {
    ended = true;
    onError(error);
  });
  call.on('cancelled', () => {
    ended = true;
  });
}

/** Files up to this size are read in one call; larger ones are streamed. */
const WHOLE = 1 << 20;
/** The size of the DATA packets (fsutil's own sender uses 32 KiB). */
const PACKET = 1 << 16;

async function sendFile(entry: SyncEntry, id: number, write: (packet: object) => Promise<void>): Promise<void> {
  const content = entry.content ?? (entry.size <= WHOLE ? readFileSync(entry.path) : undefined);
  if (content !== undefined) {
    for (let at = 0; at < content.length; at += PACKET) await write({ type: DATA, ID: id, data: content.subarray(at, at + PACKET) });
  } else {
    for await (const chunk of createReadStream(entry.path, { highWaterMark: PACKET })) {
      await write({ type: DATA, ID: id, data: chunk as Buffer });
    }
  }
  await write({ type: DATA, ID: id });
}

// Go's os.FileMode bits, which fsutil sends as the mode.
const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_STICKY = 2 ** 20;

function statOf(entry: SyncEntry): object {
  let mode = entry.mode & 0o777;
  if (entry.mode & 0o4000) mode += GO_SETUID;
  if (entry.mode & 0o2000) mode += GO_SETGID;
  if (entry.mode & 0o1000) mode += GO_STICKY;
  if (entry.type === 'directory') mode += GO_DIR;
  if (entry.type === 'symlink') mode += GO_SYMLINK;
  return {
    path: entry.rel,
    mode,
    // Owned by root, as the docker CLI sends the context (its resetUIDAndGID).
    uid: 0,
    gid: 0,
    size: entry.type === 'file' ? (entry.content?.length ?? entry.size) : 0,
    modTime: Math.round(entry.mtimeMs) * 1_000_000,
    linkname: entry.linkname ?? '',
  };
}

// The package is CommonJS (`module.exports = factory`); its types describe an ES default export.
const dockerignore = dockerignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore;

/**
 * The entries a request wants: those its exclude patterns leave, and when it names paths
 * (include patterns, follow paths) only those and what is under them; every folder above a
 * sent entry is sent first, as BuildKit's receiver checks.
 */
export function selectEntries(directory: SyncDirectory, request: { readonly includes: readonly string[]; readonly excludes: readonly string[] }): SyncEntry[] {
  const excluded = request.excludes.length > 0 ? dockerignore({ ignorecase: false }).add([...request.excludes]) : undefined;
  const included = request.includes.length > 0 ? dockerignore({ ignorecase: false }).add([...request.includes]) : undefined;
  const byPath = new Map(directory.entries.map((e) => [e.rel, e]));
  const out: SyncEntry[] = [];
  const sent = new Set<string>();
  const withParents = (entry: SyncEntry): void => {
    const parts = entry.rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (sent.has(parent)) continue;
      sent.add(parent);
      out.push(byPath.get(parent) ?? folderEntry(directory.root, parent));
    }
    if (!sent.has(entry.rel)) {
      sent.add(entry.rel);
      out.push(entry);
    }
  };
  for (const entry of directory.entries) {
    if (excluded?.ignores(entry.rel) && !(entry.type === 'directory' && request.excludes.some((p) => p.trim().startsWith('!')))) continue;
    if (included && !included.ignores(entry.rel)) continue; // `ignores` is "matches", for include patterns
    withParents(entry);
  }
  return out;
}

/** A folder that holds sent entries but was not listed itself (excluded, walked for an exception). */
function folderEntry(rootDir: string | undefined, rel: string): SyncEntry {
  const path = rootDir === undefined ? rel : join(rootDir, ...rel.split('/'));
  const stat = rootDir === undefined ? undefined : lstatSync(path, { throwIfNoEntry: false });
  return { rel, path, type: 'directory', mode: stat ? stat.mode & 0o7777 : 0o755, size: 0, mtimeMs: stat?.mtimeMs ?? 0 };
}
