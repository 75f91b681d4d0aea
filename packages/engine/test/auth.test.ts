import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { credentialsFor, parseHost, registryOf, resolveEndpoint } from '@dockwright/engine';

describe('registries and credentials', () => {
  test('the registry of a reference', () => {
    expect(registryOf('alpine')).toBe('docker.io');
    expect(registryOf('team/app:1')).toBe('docker.io');
    expect(registryOf('127.0.0.1:5000/app:1')).toBe('127.0.0.1:5000');
    expect(registryOf('ghcr.io/org/app')).toBe('ghcr.io');
    expect(registryOf('localhost/app')).toBe('localhost');
  });

  test('auths entries from the docker config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockwright-config-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'registry.example.com': { auth: Buffer.from('me:s3cret:with-colon').toString('base64') },
          'https://index.docker.io/v1/': { identitytoken: 'tok' },
        },
      }),
    );
    expect(credentialsFor('registry.example.com', dir)).toEqual({ username: 'me', password: 's3cret:with-colon', serveraddress: 'registry.example.com' });
    expect(credentialsFor('docker.io', dir)).toEqual({ identitytoken: 'tok', serveraddress: 'https://index.docker.io/v1/' });
    expect(credentialsFor('other.example.com', dir)).toBeUndefined();
  });
});

describe('finding the engine', () => {
  test('DOCKER_HOST wins; unix, tcp and TLS', () => {
    expect(resolveEndpoint({ DOCKER_HOST: 'unix:///run/x.sock' }, '/home/u').options).toEqual({ socketPath: '/run/x.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://build:2375' }, '/home/u').options).toEqual({ host: 'build', port: '2375', protocol: 'http' });
    expect(() => resolveEndpoint({ DOCKER_HOST: 'tcp://build:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' }, '/home/u')).toThrow(
      /ca\.pem is missing/,
    );
  });

  test('addresses are read as the docker CLI reads them', () => {
    const host = (value: string) => parseHost(value, 'DOCKER_HOST');
    expect(host('unix:///run/x.sock')).toBe('unix:///run/x.sock');
    expect(host('unix://')).toBe('unix:///var/run/docker.sock');
    expect(host('unix://relative.sock')).toBe('unix://relative.sock');
    expect(host('build-host:2375')).toBe('tcp://build-host:2375'); // no scheme: tcp
    expect(host('build-host')).toBe('tcp://build-host:2375');
    expect(host('tcp://')).toBe('tcp://localhost:2375');
    expect(host('tcp://:2376')).toBe('tcp://localhost:2376');
    expect(host(' tcp://[::1]:2375 ')).toBe('tcp://[::1]:2375');
    expect(host('ssh://me@build-host:2222')).toBe('ssh://me@build-host:2222');
    expect(() => host('http://build-host:2375')).toThrow(
      /DOCKER_HOST=http:\/\/build-host:2375: http:\/\/ is not an engine address the docker CLI accepts\. Expected unix:/,
    );
    expect(() => host('fd://')).toThrow(/a client cannot connect to it/);
    expect(() => host('tcp://a://b')).toThrow(/invalid address/);
    // A relative socket is dialled from the working folder, as the docker CLI dials it; never as TCP.
    expect(resolveEndpoint({ DOCKER_HOST: 'unix://relative.sock' }, '/home/u', '/work/project').options).toEqual({ socketPath: '/work/project/relative.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: 'unix://' }, '/home/u').options).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(resolveEndpoint({ DOCKER_HOST: 'build-host:2375' }, '/home/u').options).toEqual({ host: 'build-host', port: '2375', protocol: 'http' });
  });

  test('a docker context from the config', () => {
    const home = mkdtempSync(join(tmpdir(), 'dockwright-home-'));
    const id = createHash('sha256').update('remote').digest('hex');
    mkdirSync(join(home, '.docker', 'contexts', 'meta', id), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    writeFileSync(join(home, '.docker', 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Endpoints: { docker: { Host: 'unix:///remote.sock' } } }));
    const endpoint = resolveEndpoint({}, home);
    expect(endpoint).toMatchObject({ host: 'unix:///remote.sock', source: 'context remote', options: { socketPath: '/remote.sock' } });
    expect(resolveEndpoint({ DOCKER_CONTEXT: 'default' }, home).host).toBe('unix:///var/run/docker.sock');
    expect(() => resolveEndpoint({ DOCKER_CONTEXT: 'missing' }, home)).toThrow(/context "missing" not found/);
  });
});
