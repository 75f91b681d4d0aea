import type { DockerfileNode, Text } from 'dockwright';
import { processWord } from 'dockwright';

/**
 * What a Dockerfile takes from outside itself, read from its IR: the context files its COPY, ADD
 * and bind mounts read, and the images it starts from or copies from. The up-to-date check hashes
 * only these, so a README that no instruction copies never makes an image stale.
 */
export interface DockerfileInputs {
  /** Which context paths (relative, `/`-separated) the build reads: all, or those that match. */
  readonly context: { readonly all: true; readonly why: string } | { readonly all: false; readonly matches: (rel: string) => boolean };
  /** Image references (FROM, COPY --from, mount from) with build arguments applied. */
  readonly images: readonly string[];
  /** When set, the build reads something no digest can cover (a remote ADD without --checksum). */
  readonly unpinned: string | undefined;
}

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/**
 * Reads `file` for what it takes from the context and from images. `buildArgs` resolve variables
 * in image references (`FROM node:${VERSION}`); a context source with a variable means the whole
 * context, since its value is only known to the builder.
 */
export function dockerfileInputs(file: DockerfileNode, buildArgs: Readonly<Record<string, string>>): DockerfileInputs {
  const stageNames = new Set(file.stages.flatMap((s) => (s.from.name === undefined ? [] : [s.from.name.toLowerCase()])));
  const args = new Map<string, string>();
  for (const a of file.globalArgs) if (typeof a.default === 'string') args.set(a.name, a.default);
  for (const [name, value] of Object.entries(buildArgs)) args.set(name, value);

  const patterns: RegExp[] = [];
  let all: string | undefined;
  let unpinned: string | undefined;
  const images = new Set<string>();
  const useSource = (source: Text, instruction: string): void => {
    if (all !== undefined) return;
    if (typeof source !== 'string') return void (all = `${instruction} has a source with a variable`);
    const pattern = sourcePattern(source);
    if (pattern === undefined) all = `${instruction} ${source} reads the whole context`;
    else patterns.push(pattern);
  };
  const useImage = (reference: Text | undefined): void => {
    if (reference === undefined) return;
    const resolved = typeof reference === 'string' ? reference : expand(reference, args);
    if (resolved === undefined) return void (unpinned ??= `an image reference uses a variable with no value (${display(reference)})`);
    if (/^\d+$/.test(resolved) || stageNames.has(resolved.toLowerCase()) || resolved === 'scratch') return;
    images.add(resolved);
  };

  for (const stage of file.stages) {
    useImage(stage.from.image);
    for (const node of stage.instructions) {
      // An ONBUILD trigger runs in the builds that start from this image, not in this one.
      if (node.kind === 'copy') {
        if (node.from !== undefined) useImage(node.from);
        else node.sources.forEach((s) => useSource(s, 'COPY'));
      } else if (node.kind === 'add') {
        for (const source of node.sources) {
          const text = typeof source === 'string' ? source : display(source);
          if (!REMOTE.test(text)) useSource(source, 'ADD');
          else if (node.checksum === undefined) unpinned ??= `ADD ${text} can change without the Dockerfile changing (pin it with checksum)`;
        }
      } else if (node.kind === 'run') {
        for (const mount of node.mounts) {
          if (mount.type !== 'bind' && mount.type !== 'cache') continue;
          if (mount.from !== undefined) useImage(mount.from);
          else if (mount.type === 'bind') useSource(mount.source ?? '.', 'RUN --mount=type=bind');
        }
      }
    }
  }
  const context: DockerfileInputs['context'] =
    all !== undefined ? { all: true, why: all } : { all: false, matches: (rel) => patterns.some((p) => p.test(rel)) };
  return { context, images: [...images], unpinned };
}

/**
 * A COPY source as a test of context paths: the path itself and everything under it, with
 * Go's filepath.Match wildcards (`*`, `?`, `[...]`, `\` escapes) per component, and `**` across
 * components for good measure. Undefined for the whole context (`.`, `./`, `/`).
 */
export function sourcePattern(source: string): RegExp | undefined {
  let path = source.replace(/\/+/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  path = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\/\.(?=\/|$)/g, '');
  if (path === '' || path === '.') return undefined;
  let regex = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '*') {
      if (path[i + 1] === '*') {
        regex += '.*';
        i++;
      } else regex += '[^/]*';
    } else if (ch === '?') regex += '[^/]';
    else if (ch === '\\' && i + 1 < path.length) regex += escapeRegex(path[++i]!);
    else if (ch === '[') {
      const end = path.indexOf(']', i + 2);
      if (end === -1) return undefined; // not a class Go would accept: let the builder decide, read everything
      let body = path.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      regex += `[${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else regex += escapeRegex(ch);
  }
  try {
    return new RegExp(`^(?:${regex})(?:/.*)?$`, 's');
  } catch {
    return undefined;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A reference with its variables expanded as Docker would, or undefined when one has no value. */
function expand(text: Exclude<Text, string>, args: ReadonlyMap<string, string>): string | undefined {
  let word = '';
  for (const part of text.parts) {
    if (typeof part === 'string') word += part.replace(/[\\$"']/g, '\\$&');
    else if (part.kind === 'var') {
      if (!args.has(part.name)) return undefined;
      word += '${' + part.name + '}';
    } else {
      for (const match of part.text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) if (!args.has(match[1]!)) return undefined;
      word += part.text;
    }
  }
  try {
    const value = processWord(word, args);
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

function display(text: Text): string {
  if (typeof text === 'string') return text;
  return text.parts.map((p) => (typeof p === 'string' ? p : p.kind === 'var' ? '${' + p.name + '}' : p.text)).join('');
}
