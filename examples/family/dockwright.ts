import { from, type Image } from 'dockwright';

/**
 * A family of images from one script: a shared base, two services built on it, and one
 * runtime image per Python version. The base carries image metadata, so the services refer to
 * it by tag (`FROM family/base:1`) and a build orders it first.
 */
export const base = from('debian:bookworm-slim')
  .run('apt-get update && apt-get install -y --no-install-recommends ca-certificates tini && rm -rf /var/lib/apt/lists/*')
  .run('useradd --create-home --uid 10001 app')
  .entrypoint(['/usr/bin/tini', '--'])
  .$meta({ name: 'family/base', tags: ['family/base:1'], dockerfile: 'base.Dockerfile' });

function service(name: string, port: number): Image {
  return from(base)
    .workdir(`/srv/${name}`)
    .copy(`services/${name}/`, './', { chown: 'app:app' })
    .user('app')
    .expose(port)
    .cmd([`./${name}`])
    .$meta({ name: `family/${name}`, tags: [`family/${name}:1`], dockerfile: `${name}.Dockerfile` });
}

export const api = service('api', 8080);
export const worker = service('worker', 9090);

const pythonVersions = ['3.11', '3.12', '3.13'];

export const python = pythonVersions.map((version) =>
  from(`python:${version}-slim`)
    .env('PIP_NO_CACHE_DIR', '1')
    .run('pip install --upgrade pip')
    .copy({ from: base, src: '/usr/bin/tini', dest: '/usr/bin/tini' })
    .entrypoint(['/usr/bin/tini', '--', 'python'])
    .$meta({ name: `family/python-${version}`, tags: [`family/python:${version}`], dockerfile: `python-${version}.Dockerfile` }),
);
