import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { buildError } from '../errors.js';

/** TLS for a `tcp://` daemon, as buildctl spells its flags (`--tlscacert`, `--tlscert`, `--tlskey`, `--tlsservername`, `--tlsdir`). */
export interface BuildkitTls {
  readonly cacert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly servername?: string | undefined;
  /** A folder holding `ca.pem`, `cert.pem` and `key.pem`. */
  readonly dir?: string | undefined;
}

/** Where a BuildKit daemon answers. */
export type BuildkitEndpoint =
  | { readonly kind: 'unix'; readonly address: string; readonly source: string; readonly path: string }
  | {
      readonly kind: 'tcp';
      readonly address: string;
      readonly source: string;
      readonly host: string;
      readonly port: number;
      readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly servername?: string } | undefined;
    }
  /** The Docker Engine's own BuildKit, through `POST /grpc` on the engine the docker CLI would use. */
  | { readonly kind: 'docker'; readonly address: string; readonly source: string };

const TLS_KEYS = ['tlsdir', 'tlscacert', 'tlscert', 'tlskey', 'tlsservername'];

/** True when `--builder` names a daemon's address rather than one of the Docker Engine's builders. */
export function isBuildkitAddress(value: string): boolean {
  return value.includes('://');
}

/**
 * A BuildKit address as buildctl reads `--addr` / `BUILDKIT_HOST`: `unix:///path/buildkitd.sock`
 * (a relative path is taken from `cwd`), `tcp://host:port` (TLS when certificates are given, by
 * flags or for this address alone: `?tlsdir=certs/bk-1`, `tlscacert`, `tlscert`, `tlskey`, `tlsservername`), and
 * `docker://` for the Docker Engine's own BuildKit. Schemes that need a helper program
 * (`docker-container://`, `kube-pod://`, `ssh://`) are refused with what to do instead.
 */
export function parseBuildkitAddress(written: string, source: string, tls: BuildkitTls = {}, cwd = '/'): BuildkitEndpoint {
  const value = written.trim();
  const separator = value.indexOf('://');
  const refuse = (why: string): never => {
    throw buildError('engine.config', `${source}=${written}: ${why}. Expected unix:///path/to/buildkitd.sock, tcp://host:port or docker://.`);
  };
  if (separator === -1) refuse('no scheme');
  const scheme = value.slice(0, separator);
  const rest = value.slice(separator + 3);
  switch (scheme) {
    case 'unix': {
      if (rest === '') refuse('no socket path after unix://');
      const path = isAbsolute(rest) ? rest : resolve(cwd, rest);
      return { kind: 'unix', address: `unix://${path}`, source, path };
    }
    case 'tcp': {
      let url: URL;
      try {
        url = new URL(`tcp://${rest}`);
      } catch {
        return refuse('not a host:port');
      }
      if (!url.hostname || !url.port) refuse('a tcp address needs a host and a port (buildkitd has no default port)');
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // A node of a fleet may have TLS settings of its own: tcp://bk-1:1234?tlsdir=certs/bk-1
      const own: Record<string, string> = {};
      for (const [key, value] of url.searchParams) {
        if (!TLS_KEYS.includes(key)) refuse(`unknown setting ${key} (the address takes ${TLS_KEYS.join(', ')})`);
        own[key] = isAbsolute(value) ? value : resolve(cwd, value);
      }
      const settings: BuildkitTls = {
        ...tls,
        ...(own.tlsdir ? { dir: own.tlsdir } : {}),
        ...(own.tlscacert ? { cacert: own.tlscacert } : {}),
        ...(own.tlscert ? { cert: own.tlscert } : {}),
        ...(own.tlskey ? { key: own.tlskey } : {}),
        ...(url.searchParams.get('tlsservername') ? { servername: url.searchParams.get('tlsservername')! } : {}),
      };
      return { kind: 'tcp', address: `tcp://${url.host}`, source, host, port: Number(url.port), tls: tlsFiles(settings, source) };
    }
    case 'docker':
      if (rest !== '') refuse('docker:// takes no address: the engine is the one DOCKER_HOST or the docker context names');
      return { kind: 'docker', address: 'docker://', source };
    case 'docker-container':
    case 'podman-container':
    case 'nerdctl-container':
      return refuse(
        `dockwright does not run ${scheme.split('-')[0]} to reach a daemon in a container: publish its socket or port (buildkitd --addr tcp://0.0.0.0:1234) and use tcp://`,
      );
    case 'kube-pod':
      return refuse('dockwright does not run kubectl: forward a port to the pod (kubectl port-forward pod/buildkitd 1234) and use tcp://127.0.0.1:1234');
    case 'ssh':
      return refuse(
        'dockwright does not tunnel BuildKit over ssh: forward its socket (ssh -L /tmp/buildkitd.sock:/run/buildkit/buildkitd.sock host) and use unix://',
      );
    default:
      return refuse(`unknown scheme ${scheme}://`);
  }
}

function tlsFiles(tls: BuildkitTls, source: string): { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } | undefined {
  const inDir = (name: string): string | undefined => (tls.dir ? join(tls.dir, name) : undefined);
  const cacert = tls.cacert ?? inDir('ca.pem');
  const cert = tls.cert ?? inDir('cert.pem');
  const key = tls.key ?? inDir('key.pem');
  if (!cacert && !cert && !key && !tls.servername) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw buildError('engine.config', `${source}: a client certificate needs both --tlscert and --tlskey.`);
  }
  const read = (file: string | undefined, flag: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    if (!existsSync(file)) throw buildError('engine.config', `${flag} ${file}: no such file.`);
    return readFileSync(file);
  };
  return {
    ...(cacert ? { ca: read(cacert, '--tlscacert')! } : {}),
    ...(cert ? { cert: read(cert, '--tlscert')! } : {}),
    ...(key ? { key: read(key, '--tlskey')! } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}
