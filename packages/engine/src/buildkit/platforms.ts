import { createHash } from 'node:crypto';
import { buildError } from '../errors.js';
import type { IndexAssembler } from '../fleet.js';
import { INPUTS_ANNOTATION, parseReference, repositoryOf, type RegistryClient } from '../registry.js';
import { inRegistry, registryInputsDigest } from './solve.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/**
 * An image of several platforms built across a fleet: each platform on a node that runs it, each
 * pushed by digest to the image's repository; then the index that names them is put together here
 * and put in the registry (by digest, and with --push under every tag), annotated with the
 * digest of the inputs, so the next run finds it up to date as it does a single-platform image.
 */
export function indexAssembler(registry: RegistryClient): IndexAssembler {
  return {
    async before(target, job) {
      const digest = job.push ? await registryInputsDigest(target, job, registry).catch(() => undefined) : undefined;
      if (digest === undefined || job.force || target.noCache || target.pull) return { digest, upToDate: undefined };
      const found = await inRegistry(registry, target.tags, digest, job.signal).catch(() => undefined);
      if (!found) return { digest, upToDate: undefined };
      return {
        digest,
        upToDate: {
          name: target.name,
          id: found.id,
          digest: found.digest,
          tags: target.tags,
          size: undefined,
          durationMs: 0,
          steps: 0,
          cachedSteps: 0,
          upToDate: true,
          builder: 'buildkitd',
          node: '-',
          pushed: [],
        },
      };
    },
    async assemble(target, parts, job, digest, started) {
      const home = repositoryOf(target.tags[0]!);
      const children = await Promise.all(
        parts.map(async ({ platform, result }) => {
          const manifest = await registry.manifest(`${home}@${result.digest}`, job.signal);
          if (!manifest)
            throw buildError('push.failed', `${target.name}: the registry has no ${platform} manifest ${result.digest} in ${home}, which its build pushed.`);
          const [os, architecture, variant] = platform.split('/');
          return {
            manifest,
            descriptor: {
              mediaType: manifest.mediaType,
              digest: manifest.digest,
              size: manifest.size,
              platform: { architecture, os, ...(variant ? { variant } : {}) },
            },
          };
        }),
      );
      const index = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((c) => c.descriptor),
        ...(digest ? { annotations: { [INPUTS_ANNOTATION]: `sha256:${digest}` } } : {}),
      };
      const body = Buffer.from(JSON.stringify(index));
      const indexDigest = await registry.putManifest(home, `sha256:${createHash('sha256').update(body).digest('hex')}`, body, OCI_INDEX, job.signal);
      const pushed = [];
      if (job.push) {
        for (const tag of target.tags) {
          const repository = repositoryOf(tag);
          if (repository !== home) {
            if (parseReference(tag).registry !== parseReference(home).registry) {
              pushed.push({ tag, error: `${tag} is in another registry than ${home}: an index assembled across nodes is pushed to one registry` });
              continue;
            }
            // The platforms' manifests and their blobs, made the other repository's too.
            for (const { manifest } of children) {
              for (const blob of [manifest.json.config?.digest, ...(manifest.json.layers ?? []).map((l) => l.digest)])
                if (blob) await registry.mountBlob(repository, blob, home, job.signal);
              await registry.putManifest(repository, manifest.digest, manifest.bytes, manifest.mediaType, job.signal);
            }
          }
          const version = parseReference(tag).tag ?? 'latest';
          await registry.putManifest(repository, version, body, OCI_INDEX, job.signal);
          pushed.push({ tag, digest: indexDigest });
        }
      }
      return {
        name: target.name,
        id: indexDigest,
        digest: indexDigest,
        tags: target.tags,
        size: undefined,
        durationMs: Date.now() - started,
        steps: parts.reduce((n, p) => n + p.result.steps, 0),
        cachedSteps: parts.reduce((n, p) => n + p.result.cachedSteps, 0),
        upToDate: false,
        builder: 'buildkitd',
        node: [...new Set(parts.map((p) => p.result.node))].join(','),
        pushed,
      };
    },
  };
}
