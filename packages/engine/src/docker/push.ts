import type { EngineConnection } from './engine.js';
import { buildError } from '../errors.js';
import { credentialsFor, registryOf } from '../auth.js';

export interface PushOptions {
  /** The docker config folder, for credentials. */
  readonly configDir: string;
  /** The environment credential helpers run in (their PATH). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Progress lines (`Pushed`, `Layer already exists`, digests); never credentials. */
  readonly onProgress?: ((tag: string, text: string) => void) | undefined;
}

/**
 * Pushes one tag. The engine reports registry errors inside a 200 response, so the stream is
 * read to its end and any `errorDetail` fails the push with the registry's own words.
 */
export async function pushTag(connection: EngineConnection, tag: string, options: PushOptions): Promise<string | undefined> {
  const auth = credentialsFor(registryOf(tag), options.configDir, options.env);
  const { repository, version } = splitTag(tag);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await connection.docker.getImage(repository).push({
      tag: version,
      ...(auth ? { authconfig: auth } : { authconfig: { serveraddress: registryOf(tag) } }),
      abortSignal: options.signal,
    } as never)) as unknown as NodeJS.ReadableStream;
  } catch (error) {
    throw buildError('push.failed', `push ${tag}: ${(error as Error).message}`, error);
  }
  return new Promise((resolve, reject) => {
    let buffer = '';
    let digest: string | undefined;
    let failure: string | undefined;
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        const message = JSON.parse(line) as { status?: string; id?: string; error?: string; errorDetail?: { message?: string }; aux?: { Digest?: string } };
        if (message.errorDetail || message.error) failure ??= message.errorDetail?.message ?? message.error;
        if (message.aux?.Digest) digest = message.aux.Digest;
        if (message.status && !message.status.startsWith('Pushing') && !message.status.startsWith('Preparing') && !message.status.startsWith('Waiting')) {
          options.onProgress?.(tag, message.id ? `${message.id}: ${message.status}` : message.status);
        }
      }
    });
    stream.on('end', () => (failure ? reject(buildError('push.failed', `push ${tag}: ${explainPushFailure(failure, registryOf(tag))}`)) : resolve(digest)));
    stream.on('error', (error) => reject(buildError('push.failed', `push ${tag}: ${(error as Error).message}`, error)));
  });
}

/** What an HTTP status from the registry means for a push, when the engine passes one on. */
const REFUSALS: Readonly<Record<string, string>> = {
  '401': 'not logged in (docker login)',
  '403': 'denied',
  '404': 'no such repository',
  '405': 'it takes no pushes: read-only, or a mirror',
};

/** The engine's words, led by what they mean when they carry the registry's HTTP status. */
export function explainPushFailure(message: string, registry: string): string {
  if (/does not exist locally/i.test(message)) return `${message}: build it first (dockwright build)`;
  const status = /\bHTTP (?:status:? )?(\d{3})\b/i.exec(message)?.[1];
  if (status === undefined) return message;
  const meaning = REFUSALS[status] ?? (status.startsWith('5') ? 'it failed' : 'it refused');
  return `the registry ${registry} answered HTTP ${status}, ${meaning}: ${message}`;
}

/** `host:5000/team/app:1.2` -> `host:5000/team/app` and `1.2` (`latest` when no tag). */
export function splitTag(reference: string): { repository: string; version: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? { repository: reference.slice(0, colon), version: reference.slice(colon + 1) } : { repository: reference, version: 'latest' };
}
