import type { Backend } from '../backend.js';
import { buildError } from '../errors.js';
import type { RegistryClient } from '../registry.js';
import type { BuildkitClient } from './client.js';
import type { Sink } from './sinks.js';
import { buildOnBuildkit } from './solve.js';

/** Cache types whose bytes pass through the client's session (a content store dockwright does not serve). */
const CLIENT_SIDE_CACHES = new Set(['local']);

/**
 * A BuildKit daemon as a backend: a standalone buildkitd (unix or tcp), or the Docker Engine's
 * own BuildKit through `POST /grpc` (`docker://`). Builds push from the daemon (the image
 * exporter), so there is no separate push step.
 */
export function buildkitBackend(client: BuildkitClient, options: { readonly registry: RegistryClient; readonly loadSink?: (() => Sink) | undefined }): Backend {
  const engineStore = client.endpoint.kind === 'docker';
  return {
    kind: 'buildkit',
    address: client.endpoint.address,
    check(targets, request) {
      const refusals: { image: string; text: string }[] = [];
      for (const target of targets) {
        for (const cache of [...target.cacheTo, ...target.cacheFrom]) {
          if (CLIENT_SIDE_CACHES.has(cache.type)) {
            refusals.push({
              image: target.name,
              text: `${target.name}: ${cache.written}: a type=local cache passes through the client's content store, which dockwright does not serve; use type=registry,ref=<registry>/<cache>:{name}`,
            });
          }
        }
        if (engineStore && target.outputs.length > 0) {
          refusals.push({
            image: target.name,
            text: `${target.name}: --output through the Docker Engine's BuildKit API is not supported; point --builder at a buildkitd`,
          });
        }
      }
      if (request.load && !options.loadSink && !engineStore) {
        refusals.push({ image: targets[0]?.name ?? '', text: '--load needs a Docker Engine to load into, and none was found (DOCKER_HOST)' });
      }
      if (refusals.length > 0) {
        const images = [...new Set(refusals.map((r) => r.image))].filter(Boolean);
        throw buildError('build.unsupported', `${images.join(', ')} cannot be built here; nothing was sent:\n${refusals.map((r) => `  ${r.text}`).join('\n')}`);
      }
    },
    async build(target, job) {
      if (client.closed) throw daemonGone(client);
      const builder = engineStore ? 'buildkit' : 'buildkitd';
      job.onEvent({ type: 'started', builder });
      return buildOnBuildkit(client, target, { ...job, registry: options.registry, engineStore, loadSink: options.loadSink, builder });
    },
    lost(error) {
      const flags = error as { daemonGone?: boolean; lostDaemon?: boolean };
      return flags.daemonGone === true || flags.lostDaemon === true;
    },
    gone(error) {
      return (error as { daemonGone?: boolean }).daemonGone ? `the BuildKit daemon at ${client.endpoint.address} stopped answering` : undefined;
    },
    close() {
      client.close();
    },
  };
}

function daemonGone(client: BuildkitClient): Error {
  return Object.assign(buildError('engine.unreachable', `The BuildKit daemon at ${client.endpoint.address} stopped answering.`), { daemonGone: true });
}
