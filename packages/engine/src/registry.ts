import { createHash } from 'node:crypto';
import { buildError } from './errors.js';

/**
 * A small client of the registry HTTP API (distribution spec): read a manifest or an index by tag
 * or digest, read a blob. What a BuildKit run needs to know without a local image store: which
 * digest a base image's tag names today, and what a tag in the registry was built from (the
 * annotation dockwright writes on the manifests it pushes).
 */

/** `host:5000/team/app:1.2@sha256:…`, split and normalized as Docker reads it. */
export interface ImageReference {
  /** `docker.io` for Docker Hub. */
  readonly registry: string;
  /** `library/busybox` on Docker Hub for `busybox`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** The manifest annotation that records the digest of the inputs an image was built from. */
export const INPUTS_ANNOTATION = 'org.dockwright.inputs';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const INDEX_TYPES = new Set(MANIFEST_TYPES.slice(0, 2));

export function parseReference(reference: string): ImageReference {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined) rest = rest.slice(0, colon);
  const first = rest.split('/')[0]!;
  const hasHost = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  let repository = hasHost ? rest.slice(first.length + 1) : rest;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** The short form Docker prints and BuildKit's named contexts use: no `docker.io/library/`, no `:latest`. */
export function familiarName(reference: string): string {
  const r = parseReference(reference);
  const repository = r.registry === 'docker.io' ? r.repository.replace(/^library\//, '') : `${r.registry}/${r.repository}`;
  return `${repository}${r.tag && r.tag !== 'latest' ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** `registry/repository` with no tag or digest. */
export function repositoryOf(reference: string): string {
  const r = parseReference(reference);
  return r.registry === 'docker.io' ? `docker.io/${r.repository}` : `${r.registry}/${r.repository}`;
}

export interface Manifest {
  readonly digest: string;
  readonly mediaType: string;
  /** Bytes, as a descriptor of it says. */
  readonly size: number;
  /** As the registry holds it (its digest is of these bytes). */
  readonly bytes: Buffer;
  readonly json: {
    readonly manifests?: readonly {
      readonly digest: string;
      readonly platform?: { readonly os: string; readonly architecture: string; readonly variant?: string };
    }[];
    readonly config?: { readonly digest: string };
    readonly layers?: readonly { readonly digest: string; readonly size: number }[];
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly isIndex: boolean;
}

export type RegistryCredentials = (registry: string) => { readonly username?: string; readonly password?: string; readonly identitytoken?: string } | undefined;

export class RegistryClient {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly credentials: RegistryCredentials) {}

  /** The manifest or index `reference` names, or undefined when the registry has none. */
  async manifest(reference: string | ImageReference, signal?: AbortSignal): Promise<Manifest | undefined> {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    const response = await this.get(ref, `manifests/${ref.digest ?? ref.tag}`, { accept: MANIFEST_TYPES.join(', ') }, signal);
    if (response.status === 404) return undefined;
    if (!response.ok) throw this.refused(ref, response.status, await response.text().catch(() => ''));
    const body = Buffer.from(await response.arrayBuffer());
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const json = JSON.parse(body.toString('utf8')) as Manifest['json'] & { mediaType?: string };
    const type = json.mediaType ?? mediaType;
    const digest = response.headers.get('docker-content-digest') ?? ref.digest ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    return { digest, mediaType: type, size: body.length, bytes: body, json, isIndex: INDEX_TYPES.has(type) || Array.isArray(json.manifests) };
  }

  /** The image config (JSON) of a manifest, or of the index's manifest for `platform` (`linux/amd64`). */
  async config(
    reference: string,
    platform: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ readonly config?: { readonly OnBuild?: readonly string[] | null } } | undefined> {
    const ref = parseReference(reference);
    let manifest = await this.manifest(ref, signal);
    if (manifest?.isIndex) {
      const [os, architecture, variant] = (platform ?? 'linux/amd64').split('/');
      const entry =
        manifest.json.manifests?.find(
          (m) => m.platform?.os === os && m.platform?.architecture === architecture && (!variant || m.platform?.variant === variant),
        ) ?? manifest.json.manifests?.[0];
      manifest = entry ? await this.manifest({ ...ref, digest: entry.digest, tag: undefined }, signal) : undefined;
    }
    const digest = manifest?.json.config?.digest;
    if (!digest) return undefined;
    const response = await this.get(ref, `blobs/${digest}`, {}, signal);
    if (!response.ok) return undefined;
    return (await response.json()) as { config?: { OnBuild?: string[] | null } };
  }

  /**
   * Puts a manifest (or an index) under a tag or its digest, the manifests and blobs it names
   * being there already. Returns the digest the registry gives it.
   */
  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    const ref = parseReference(`${repository}:latest`);
    const response = await this.request('PUT', ref, `manifests/${reference}`, { 'content-type': mediaType }, body, signal);
    if (!response.ok) throw this.refused(ref, response.status, await response.text().catch(() => ''));
    return response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  /** Makes a blob of `from` (another repository of the same registry) one of `repository`'s, without copying it. */
  async mountBlob(repository: string, digest: string, from: string, signal?: AbortSignal): Promise<void> {
    const ref = parseReference(`${repository}:latest`);
    const source = parseReference(`${from}:latest`);
    const response = await this.request(
      'POST',
      ref,
      `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source.repository)}`,
      {},
      undefined,
      signal,
      source.repository,
    );
    if (response.status !== 201)
      throw this.refused(ref, response.status, `the blob ${digest} of ${from} could not be mounted: ${await response.text().catch(() => '')}`);
  }

  private get(ref: ImageReference, path: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
    return this.request('GET', ref, path, headers, undefined, signal);
  }

  private async request(
    method: string,
    ref: ImageReference,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    signal: AbortSignal | undefined,
    mountFrom?: string,
  ): Promise<Response> {
    const host = ref.registry === 'docker.io' ? 'registry-1.docker.io' : ref.registry;
    const url = `${isLoopback(host) ? 'http' : 'https'}://${host}/v2/${ref.repository}/${path}`;
    const scope = [`repository:${ref.repository}:${method === 'GET' ? 'pull' : 'pull,push'}`, ...(mountFrom ? [`repository:${mountFrom}:pull`] : [])].join(' ');
    const key = `${host} ${scope}`;
    const send = (authorization: string | undefined): Promise<Response> =>
      fetch(url, {
        method,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
        ...(body ? { body } : {}),
        redirect: 'follow',
        ...(signal ? { signal } : {}),
      }).catch((error: unknown) => {
        throw buildError(
          'push.failed',
          `The registry ${ref.registry} did not answer (${url}): ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}.`,
          error,
        );
      });
    const token = this.tokens.get(key);
    let response = await send(token);
    if (response.status !== 401) return response;
    const challenge = response.headers.get('www-authenticate') ?? '';
    const authorization = await this.authorize(ref.registry, challenge, scope, signal);
    if (authorization === undefined) return response;
    this.tokens.set(key, authorization);
    response = await send(authorization);
    return response;
  }

  /** An Authorization header for a 401's challenge: Basic with the docker config's credentials, or a Bearer token from the realm. */
  private async authorize(registry: string, challenge: string, scope: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const auth = this.credentials(registry);
    const basic = auth?.username !== undefined ? `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}` : undefined;
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    for (const one of (params.scope ?? scope).split(' ')) url.searchParams.append('scope', one);
    const response = await fetch(url, { headers: basic ? { authorization: basic } : {}, ...(signal ? { signal } : {}) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }

  private refused(ref: ImageReference, status: number, body: string): Error {
    const meaning = status === 401 ? 'not logged in (docker login)' : status === 403 ? 'denied' : 'it refused';
    return buildError(
      'push.failed',
      `The registry ${ref.registry} answered HTTP ${status} for ${ref.repository}, ${meaning}: ${body.replace(/\s+/g, ' ').trim().slice(0, 200)}`,
    );
  }
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}
