import { resolve } from 'node:path';
import { buildError } from './errors.js';

/**
 * Caches and outputs as buildx spells them: comma-separated `key=value` fields (a field may be
 * quoted, as in CSV), `type` first by convention. `{name}` in a value stands for the image's
 * name, so one flag serves every image of a run.
 */

/** `--cache-to` / `--cache-from`: `type=registry,ref=reg/cache:{name},mode=max`, `type=local,dest=DIR`, `type=inline`. */
export interface CacheSpec {
  readonly type: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** As the user wrote it, for messages. */
  readonly written: string;
}

/** `--output`: `type=local,dest=DIR`, `type=tar|oci|docker,dest=FILE`, `type=image,push=true`, `type=registry`. */
export interface OutputSpec {
  readonly type: 'local' | 'tar' | 'oci' | 'docker' | 'image';
  readonly attrs: Readonly<Record<string, string>>;
  readonly written: string;
}

const CACHE_TYPES = ['registry', 'local', 'inline', 'gha', 's3', 'azblob'];

/** Splits `a=1,"b=x,y"` into fields; a quote doubles to stand for itself. */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

function keyValues(text: string, flag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const field of csvFields(text)) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw buildError('cli.usage', `${flag} ${text}: "${field}" is not key=value.`);
    attrs[field.slice(0, eq).trim().toLowerCase()] = field.slice(eq + 1).trim();
  }
  return attrs;
}

/** A cache as buildx reads it; a bare reference means `type=registry,ref=<reference>`. */
export function parseCacheSpec(text: string, flag: '--cache-to' | '--cache-from'): CacheSpec {
  if (!text.includes('=')) {
    if (text.trim() === '') throw buildError('cli.usage', `${flag}: empty value.`);
    return { type: 'registry', attrs: { ref: text.trim() }, written: text };
  }
  const { type, ...attrs } = keyValues(text, flag);
  if (type === undefined) throw buildError('cli.usage', `${flag} ${text}: no type= (registry, local, inline, gha, s3 or azblob).`);
  if (!CACHE_TYPES.includes(type)) throw buildError('cli.usage', `${flag} ${text}: unknown cache type "${type}" (registry, local, inline, gha, s3 or azblob).`);
  if (type === 'registry' && !attrs.ref) throw buildError('cli.usage', `${flag} ${text}: a registry cache needs ref=<repository:tag>.`);
  if (type === 'local' && flag === '--cache-to' && !attrs.dest) throw buildError('cli.usage', `${flag} ${text}: a local cache to write needs dest=<folder>.`);
  if (type === 'local' && flag === '--cache-from' && !attrs.src) throw buildError('cli.usage', `${flag} ${text}: a local cache to read needs src=<folder>.`);
  if (attrs.mode !== undefined && attrs.mode !== 'min' && attrs.mode !== 'max')
    throw buildError('cli.usage', `${flag} ${text}: mode is min or max, not ${attrs.mode}.`);
  return { type, attrs, written: text };
}

/** An output as buildx reads it; a bare path means `type=local,dest=<path>`. */
export function parseOutputSpec(text: string): OutputSpec {
  if (!text.includes('=')) {
    if (text.trim() === '' || text.trim() === '-') throw buildError('cli.usage', `--output ${text}: give a folder, or type=tar,dest=<file>.`);
    return { type: 'local', attrs: { dest: text.trim() }, written: text };
  }
  const { type, ...attrs } = keyValues(text, '--output');
  const kind = type === 'registry' ? 'image' : type;
  if (kind !== 'local' && kind !== 'tar' && kind !== 'oci' && kind !== 'docker' && kind !== 'image') {
    throw buildError('cli.usage', `--output ${text}: unknown type "${type ?? ''}" (local, tar, oci, docker, image or registry).`);
  }
  if (type === 'registry') attrs.push = 'true';
  if (kind !== 'image') {
    if (!attrs.dest) throw buildError('cli.usage', `--output ${text}: type=${kind} needs dest=<${kind === 'local' ? 'folder' : 'file'}>.`);
    if (attrs.dest === '-')
      throw buildError('cli.usage', `--output ${text}: dest=- (standard output) is not supported: dockwright prints its summary there; name a file.`);
  }
  return { type: kind, attrs, written: text };
}

/** The fields of a spec that name a place, which `{name}` makes different for each image. */
const PLACES = ['ref', 'dest', 'src', 'name'];

/** A spec for one image: `{name}` replaced, relative folders and files taken from `cwd`. */
export function forImage<T extends CacheSpec | OutputSpec>(spec: T, image: string, cwd: string): T {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.attrs)) {
    const named = value.replaceAll('{name}', image);
    attrs[key] = (key === 'dest' || key === 'src') && spec.type !== 'registry' ? resolve(cwd, named) : named;
  }
  return { ...spec, attrs };
}

/**
 * Refuses one place written to by several images: each would overwrite what the others wrote
 * (a cache reference, an output folder or file). `{name}` gives each image its own.
 */
export function refuseSharedPlaces(kind: '--cache-to' | '--output', perImage: ReadonlyMap<string, readonly (CacheSpec | OutputSpec)[]>): void {
  const writers = new Map<string, string[]>();
  for (const [image, specs] of perImage) {
    for (const spec of specs) {
      if (spec.type === 'inline' || spec.type === 'image') continue;
      for (const key of PLACES) {
        const place = spec.attrs[key];
        if (place === undefined) continue;
        const id = `${spec.type} ${key}=${place}`;
        writers.set(id, [...(writers.get(id) ?? []), image]);
      }
    }
  }
  for (const [place, images] of writers) {
    if (images.length > 1) {
      throw buildError(
        'cli.usage',
        `${kind} ${place} is written by ${images.length} images (${images.join(', ')}): each would overwrite the others'. Put {name} in it (ref=reg/cache:{name}) to give each image its own.`,
      );
    }
  }
}
