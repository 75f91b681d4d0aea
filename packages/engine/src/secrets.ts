import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImageMeta } from 'dockwright';
import { buildError } from './errors.js';
import type { BuildSecret, SshAgent } from './session.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `id=npm,src=~/.npmrc` or `id=token,env=TOKEN`, the docker CLI's `--secret` spelling (with
 * neither, the variable named like the id). The value is read here and never printed.
 */
export function readSecret(spec: string, cwd: string, env: Env): BuildSecret {
  const fields = new Map(
    spec.split(',').map((field) => {
      const eq = field.indexOf('=');
      return [eq === -1 ? field : field.slice(0, eq), eq === -1 ? '' : field.slice(eq + 1)] as const;
    }),
  );
  const id = fields.get('id');
  if (!id) throw buildError('cli.usage', `--secret ${spec}: expected id=<id> with src=<file> or env=<variable>.`);
  const src = fields.get('src') ?? fields.get('source');
  if (src !== undefined) {
    const path = resolve(cwd, src.replace(/^~(?=\/)/, env.HOME ?? '~'));
    if (!existsSync(path)) throw buildError('cli.usage', `--secret ${id}: no file at ${src}.`);
    return { id, value: readFileSync(path) };
  }
  const variable = fields.get('env') ?? id;
  const value = env[variable];
  if (value === undefined) throw buildError('cli.usage', `--secret ${id}: the environment variable ${variable} is not set.`);
  return { id, value: Buffer.from(value) };
}

/** `default` (the agent at SSH_AUTH_SOCK) or `<id>=<socket>`, the docker CLI's `--ssh` spelling. */
export function sshAgent(spec: string, cwd: string, env: Env): SshAgent {
  const eq = spec.indexOf('=');
  const id = eq === -1 ? spec : spec.slice(0, eq);
  const socket = eq === -1 ? env.SSH_AUTH_SOCK : resolve(cwd, spec.slice(eq + 1));
  if (!id || !socket) throw buildError('cli.usage', `--ssh ${spec}: no agent socket (SSH_AUTH_SOCK is not set; pass --ssh ${id || 'default'}=<socket>).`);
  return { id, socket };
}

/**
 * The secrets and agents an image declares with `$meta({ secrets, ssh })`: files relative to the
 * definitions file's folder (`baseDir`), variables from `env`. Read the same way for the CLI and
 * for `build()`.
 */
export function declaredServices(meta: ImageMeta, baseDir: string, env: Env): { secrets: BuildSecret[]; ssh: SshAgent[] } {
  const secrets = (meta.secrets ?? []).map((secret) =>
    secret.src !== undefined
      ? readSecret(`id=${secret.id},src=${resolve(baseDir, secret.src)}`, baseDir, env)
      : readSecret(`id=${secret.id},env=${secret.env ?? secret.id}`, baseDir, env),
  );
  const ssh = (meta.ssh ?? []).map((agent) =>
    typeof agent === 'string' ? sshAgent(agent, baseDir, env) : { id: agent.id, socket: resolve(baseDir, agent.socket) },
  );
  return { secrets, ssh };
}
