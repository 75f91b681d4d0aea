import { describe, expect, test } from 'vitest';
import { explainPushFailure } from '@dockwright/engine';

describe('explainPushFailure', () => {
  test('leads the engine words with what the registry status means', () => {
    // Docker 20.10's words for a read-only registry, as seen in test/engine/faults.test.ts.
    const engine = 'error parsing HTTP 405 response body: invalid character \'M\' looking for beginning of value: "Method not allowed\\n"';
    expect(explainPushFailure(engine, '127.0.0.1:5998')).toBe(
      `the registry 127.0.0.1:5998 answered HTTP 405, it takes no pushes: read-only, or a mirror: ${engine}`,
    );
    expect(explainPushFailure('received unexpected HTTP status: 503 Service Unavailable', 'r.example')).toMatch(
      /^the registry r\.example answered HTTP 503, it failed: /,
    );
    expect(explainPushFailure('unexpected HTTP status 418', 'r.example')).toMatch(/^the registry r\.example answered HTTP 418, it refused: /);
  });

  test('an image that was never built: say to build it', () => {
    expect(explainPushFailure('An image does not exist locally with the tag: r.example/app', 'r.example')).toBe(
      'An image does not exist locally with the tag: r.example/app: build it first (dockwright build)',
    );
  });

  test('words without a status stay as they are', () => {
    expect(explainPushFailure('denied: requested access to the resource is denied', 'docker.io')).toBe('denied: requested access to the resource is denied');
  });
});
