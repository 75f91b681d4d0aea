import { arg, expand, from } from 'dockwright';

/**
 * A Node.js app in three stages: install dependencies once (with npm's cache kept between
 * builds), build, then copy only what runs into a small runtime image.
 */
const nodeVersion = arg('NODE_VERSION', '20');
const npmCache = { type: 'cache', target: '/root/.npm', id: 'npm', sharing: 'locked' } as const;

const deps = from(expand`node:${nodeVersion}-alpine`, { as: 'deps' })
  .workdir('/app')
  .copy(['package.json', 'package-lock.json'], './')
  .run('npm ci --omit=dev', { mount: npmCache });

const build = from(deps, { as: 'build' }).run('npm ci', { mount: npmCache }).copy('.', '.').run('npm run build');

export const app = from(expand`node:${nodeVersion}-alpine`)
  .label({
    'org.opencontainers.image.title': 'node-app',
    'org.opencontainers.image.description': 'An example Node.js service built in three stages',
  })
  .env('NODE_ENV', 'production')
  .workdir('/app')
  .copy({ from: deps, src: '/app/node_modules', dest: './node_modules', chown: 'node:node' })
  .copy({ from: build, src: '/app/dist', dest: './dist', chown: 'node:node' })
  .user('node')
  .expose(3000)
  .healthcheck(['node', 'dist/healthcheck.js'], { interval: '30s', timeout: '3s', retries: 3 })
  .cmd(['node', 'dist/server.js'])
  .$meta({ name: 'node-app', tags: ['node-app:latest'], dockerfile: 'Dockerfile' });
