import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Credentials for one registry, in the engine's X-Registry-Auth shape. Never printed. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly serveraddress: string;
}

interface DockerConfig {
  readonly auths?: Readonly<Record<string, { auth?: string; identitytoken?: string }>>;
  readonly credsStore?: string;
  readonly credHelpers?: Readonly<Record<string, string>>;
}

const DOCKER_HUB = 'https://index.docker.io/v1/';

/** The registry a reference lives in: its first component when it looks like a host, else Docker Hub. */
export function registryOf(reference: string): string {
  const first = reference.split('/')[0]!;
  const isHost = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'docker.io';
}

/**
 * Credentials for `registry` from the docker config (`$DOCKER_CONFIG/config.json`): a credential
 * helper (`credHelpers`, then `credsStore`) as the docker CLI runs it, else the `auths` entry.
 */
export function credentialsFor(registry: string, configDir: string, env?: Readonly<Record<string, string | undefined>>): RegistryAuth | undefined {
  const file = join(configDir, 'config.json');
  if (!existsSync(file)) return undefined;
  const config = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  const server = registry === 'docker.io' ? DOCKER_HUB : registry;
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  if (helper) {
    const result = spawnSync(`docker-credential-${helper}`, ['get'], {
      input: server,
      encoding: 'utf8',
      timeout: 10_000,
      ...(env ? { env: env as NodeJS.ProcessEnv } : {}),
    });
    if (result.status === 0) {
      const { Username, Secret } = JSON.parse(result.stdout) as { Username: string; Secret: string };
      return Username === '<token>' ? { identitytoken: Secret, serveraddress: server } : { username: Username, password: Secret, serveraddress: server };
    }
  }
  const entry = config.auths?.[server] ?? config.auths?.[registry] ?? config.auths?.[`https://${registry}`];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: server };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: server };
}
