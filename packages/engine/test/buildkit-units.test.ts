import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  familiarName,
  forImage,
  frame,
  FrameReader,
  GrpcClient,
  GrpcError,
  GrpcStatus,
  grpcMethod,
  parseBuildkitAddress,
  parseCacheSpec,
  parseOutputSpec,
  parseReference,
  refuseSharedPlaces,
  repositoryOf,
  serveGrpc,
  unaryMethod,
} from '@dockwright/engine';

const scratch = mkdtempSync(join(tmpdir(), 'dockwright-units-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('caches and outputs in buildx syntax', () => {
  test('a bare reference is a registry cache; fields may be quoted; mode is min or max', () => {
    expect(parseCacheSpec('reg.example/cache:app', '--cache-from')).toMatchObject({ type: 'registry', attrs: { ref: 'reg.example/cache:app' } });
    expect(parseCacheSpec('type=registry,ref=r/c:{name},mode=max', '--cache-to').attrs).toEqual({ ref: 'r/c:{name}', mode: 'max' });
    expect(parseCacheSpec('type=gha,"scope=a,b"', '--cache-to').attrs).toEqual({ scope: 'a,b' });
    expect(parseCacheSpec('type=inline', '--cache-to').type).toBe('inline');
    expect(() => parseCacheSpec('type=registry', '--cache-to')).toThrow('a registry cache needs ref=');
    expect(() => parseCacheSpec('type=floppy,ref=x', '--cache-to')).toThrow('unknown cache type "floppy"');
    expect(() => parseCacheSpec('type=registry,ref=x,mode=all', '--cache-to')).toThrow('mode is min or max, not all');
    expect(() => parseCacheSpec('type=local,src=x', '--cache-to')).toThrow('needs dest=');
    expect(() => parseCacheSpec('type=registry,ref', '--cache-from')).toThrow('"ref" is not key=value');
  });

  test('outputs: a bare path is a folder; registry means a pushed image; files need dest; stdout is refused', () => {
    expect(parseOutputSpec('out')).toMatchObject({ type: 'local', attrs: { dest: 'out' } });
    expect(parseOutputSpec('type=registry')).toMatchObject({ type: 'image', attrs: { push: 'true' } });
    expect(parseOutputSpec('type=oci,dest=a.tar').type).toBe('oci');
    expect(() => parseOutputSpec('type=tar')).toThrow('type=tar needs dest=<file>');
    expect(() => parseOutputSpec('type=tar,dest=-')).toThrow('standard output');
    expect(() => parseOutputSpec('type=cloud,dest=x')).toThrow('unknown type "cloud"');
  });

  test('{name} gives each image its own place; relative folders are taken from the folder given', () => {
    const spec = forImage(parseOutputSpec('type=local,dest=out/{name}'), 'api', '/work');
    expect(spec.attrs.dest).toBe('/work/out/api');
    expect(forImage(parseCacheSpec('r/c:{name}', '--cache-to'), 'api', '/work').attrs.ref).toBe('r/c:api');
  });

  test('one place written by two images is refused, naming both; inline caches and pushed images share nothing', () => {
    const same = parseCacheSpec('type=registry,ref=r/c:one', '--cache-to');
    expect(() =>
      refuseSharedPlaces(
        '--cache-to',
        new Map([
          ['a', [same]],
          ['b', [same]],
        ]),
      ),
    ).toThrow('is written by 2 images (a, b)');
    const inline = parseCacheSpec('type=inline', '--cache-to');
    expect(() =>
      refuseSharedPlaces(
        '--cache-to',
        new Map([
          ['a', [inline]],
          ['b', [inline]],
        ]),
      ),
    ).not.toThrow();
    const named = parseCacheSpec('r/c:{name}', '--cache-to');
    expect(() =>
      refuseSharedPlaces(
        '--cache-to',
        new Map([
          ['a', [forImage(named, 'a', '/')]],
          ['b', [forImage(named, 'b', '/')]],
        ]),
      ),
    ).not.toThrow();
  });
});

describe('BuildKit addresses, as buildctl reads them', () => {
  test('unix (relative to the folder given), tcp with a port, docker://', () => {
    expect(parseBuildkitAddress('unix://run/bk.sock', '--builder', {}, '/home/me')).toMatchObject({
      kind: 'unix',
      path: '/home/me/run/bk.sock',
      address: 'unix:///home/me/run/bk.sock',
    });
    expect(parseBuildkitAddress('tcp://builder:1234', 'BUILDKIT_HOST')).toMatchObject({ kind: 'tcp', host: 'builder', port: 1234, tls: undefined });
    expect(parseBuildkitAddress('tcp://[::1]:1234', '--builder')).toMatchObject({ host: '::1', port: 1234 });
    expect(parseBuildkitAddress('docker://', '--builder')).toMatchObject({ kind: 'docker' });
  });

  test('refused, saying what to do instead', () => {
    expect(() => parseBuildkitAddress('tcp://builder', '--builder')).toThrow('needs a host and a port');
    expect(() => parseBuildkitAddress('builder:1234', 'BUILDKIT_HOST')).toThrow('BUILDKIT_HOST=builder:1234: no scheme');
    expect(() => parseBuildkitAddress('kube-pod://buildkitd-0', '--builder')).toThrow('kubectl port-forward');
    expect(() => parseBuildkitAddress('docker-container://buildx_buildkit_0', '--builder')).toThrow('publish its socket or port');
    expect(() => parseBuildkitAddress('ssh://me@host', '--builder')).toThrow('ssh -L');
  });

  test('TLS files: read when named, a certificate needs its key, a missing file is named', () => {
    const ca = join(scratch, 'ca.pem');
    writeFileSync(ca, 'CA');
    const endpoint = parseBuildkitAddress('tcp://b:1', '--builder', { cacert: ca, servername: 'b.test' });
    expect(endpoint.kind === 'tcp' && endpoint.tls).toEqual({ ca: Buffer.from('CA'), servername: 'b.test' });
    expect(() => parseBuildkitAddress('tcp://b:1', '--builder', { cert: ca })).toThrow('needs both --tlscert and --tlskey');
    expect(() => parseBuildkitAddress('tcp://b:1', '--builder', { cacert: join(scratch, 'nope.pem') })).toThrow('--tlscacert');
  });

  test('a node of a fleet with TLS settings of its own, in its address', () => {
    writeFileSync(join(scratch, 'other-ca.pem'), 'OTHER');
    const endpoint = parseBuildkitAddress(
      'tcp://b:1?tlscacert=other-ca.pem&tlsservername=b-1.test',
      'BUILDKIT_HOST',
      { cacert: join(scratch, 'ca.pem') },
      scratch,
    );
    expect(endpoint.kind === 'tcp' && endpoint.tls).toEqual({ ca: Buffer.from('OTHER'), servername: 'b-1.test' });
    expect(endpoint.address).toBe('tcp://b:1');
    expect(() => parseBuildkitAddress('tcp://b:1?tls=1', '--builder')).toThrow('unknown setting tls');
  });
});

describe('gRPC framing and calls', () => {
  test('frames cut anywhere come back whole, several to a chunk', () => {
    const bytes = Buffer.concat([frame(Buffer.from('first')), frame(Buffer.alloc(0)), frame(Buffer.from('third message'))]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader();
      const messages = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(messages.map((m) => m.toString())).toEqual(['first', '', 'third message']);
    }
  });

  test('our client and our server, on a unix socket: a unary answer, a status with its words, an unknown method', async () => {
    const socket = join(scratch, 'grpc.sock');
    const secrets = grpcMethod('moby.buildkit.secrets.v1.Secrets/GetSecret');
    const server = createServer((connection) => {
      serveGrpc(connection, [
        unaryMethod<{ ID: string }>(secrets, (request) => {
          if (request.ID === 'known') return { data: Buffer.from('value') };
          throw Object.assign(new Error(`secret ${request.ID} not found: ünïcode, 100% sure`), { code: GrpcStatus.NOT_FOUND });
        }),
      ]);
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const client = GrpcClient.over(() => createConnection(socket));
    try {
      const answer = await client.unary<{ data: Uint8Array }>(secrets, { ID: 'known' });
      expect(Buffer.from(answer.data).toString()).toBe('value');
      const missing = await client.unary(secrets, { ID: 'other' }).catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(GrpcError);
      expect(missing).toMatchObject({ code: GrpcStatus.NOT_FOUND, details: 'secret other not found: ünïcode, 100% sure' });
      const unknown = await client.unary(grpcMethod('moby.buildkit.v1.Control/Info'), {}).catch((error: unknown) => error);
      expect(unknown).toMatchObject({ code: GrpcStatus.UNIMPLEMENTED });
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('image references', () => {
  test('normalized as Docker reads them', () => {
    expect(parseReference('busybox')).toEqual({ registry: 'docker.io', repository: 'library/busybox', tag: 'latest', digest: undefined });
    expect(parseReference('127.0.0.1:5000/team/app:1.2')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app', tag: '1.2', digest: undefined });
    expect(parseReference('localhost/app@sha256:ab')).toEqual({ registry: 'localhost', repository: 'app', tag: undefined, digest: 'sha256:ab' });
    expect(parseReference('me/app:2').registry).toBe('docker.io');
  });

  test('the familiar name BuildKit matches named contexts by, and the repository to push by digest', () => {
    expect(familiarName('docker.io/library/busybox:latest')).toBe('busybox');
    expect(familiarName('busybox:1')).toBe('busybox:1');
    expect(familiarName('127.0.0.1:5000/t/base:1')).toBe('127.0.0.1:5000/t/base:1');
    expect(repositoryOf('127.0.0.1:5000/t/base:1')).toBe('127.0.0.1:5000/t/base');
    expect(repositoryOf('app:1')).toBe('docker.io/library/app');
  });
});

describe('which daemons a run builds on', () => {
  test('addresses add up to a fleet; of the engine builders the last counts; BUILDKIT_HOST when auto', async () => {
    const { buildkitEndpoints } = await import('@dockwright/engine');
    const at = (builder: string | string[] | undefined, env: Record<string, string> = {}) =>
      buildkitEndpoints({ builder, env, cwd: '/' }).map((e) => e.address);
    expect(at(['unix:///a.sock', 'tcp://b:1,tcp://c:2'])).toEqual(['unix:///a.sock', 'tcp://b:1', 'tcp://c:2']);
    expect(at(['classic', 'buildkit'], { BUILDKIT_HOST: 'tcp://b:1' })).toEqual([]);
    expect(at(['classic', 'auto'], { BUILDKIT_HOST: 'tcp://b:1,tcp://c:2' })).toEqual(['tcp://b:1', 'tcp://c:2']);
    expect(() => at(['classic', 'tcp://b:1'])).toThrow("names the Docker Engine's builder");
    expect(() => at(['tcp://b:1', 'tcp://b:1'])).toThrow('tcp://b:1 is named twice');
    expect(() => at('kaniko')).toThrow('--builder kaniko: expected auto, classic, buildkit');
  });
});
