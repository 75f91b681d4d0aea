import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ContextEntry } from './context.js';
import { buildError } from './errors.js';
import type { DockerfileInputs } from './inputs.js';

/** Bumped whenever what the digest covers changes, so older records never match. */
const FORMAT = 'dockwright-inputs-2';

/** Everything that decides what a build makes. */
export interface BuildInputs {
  readonly dockerfile: string;
  /** Build arguments, labels, target, platform, network, builder, secret and SSH ids: any JSON. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The context as it is sent. */
  readonly entries: readonly ContextEntry[];
  /** Which of them the Dockerfile reads. */
  readonly uses: DockerfileInputs['context'];
  /** The image id each image reference resolves to on the engine. */
  readonly images: Readonly<Record<string, string>>;
}

/**
 * A digest of the inputs of a build: the Dockerfile, every setting (nested values included, in a
 * canonical order), the id of every image it builds on, and the context entries it reads (path,
 * type, mode, content or link target). File contents are streamed through the hash, so memory
 * stays flat whatever the size of a file.
 */
export async function inputDigest(inputs: BuildInputs): Promise<string> {
  const hash = createHash('sha256');
  const field = (value: string): Hash => hash.update(value).update('\0');
  field(FORMAT);
  field(inputs.dockerfile);
  field(canonicalJson(inputs.settings));
  field(canonicalJson(inputs.images));
  for (const entry of inputs.entries) {
    if (!inputs.uses.all && !inputs.uses.matches(entry.rel)) continue;
    field(entry.rel);
    field(`${entry.type} ${entry.mode.toString(8)}`);
    if (entry.type === 'symlink') field(entry.linkname ?? '');
    else if (entry.type === 'file') {
      field(String(entry.size));
      await hashFile(hash, entry);
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

async function hashFile(hash: Hash, entry: ContextEntry): Promise<void> {
  try {
    for await (const chunk of createReadStream(entry.path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (error) {
    throw buildError('build.context', `Could not read ${entry.rel} in the build context: ${(error as Error).message}`, error);
  }
}

/** JSON with object keys sorted at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
