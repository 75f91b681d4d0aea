import protobuf from 'protobufjs/light.js';
import { describe, expect, test } from 'vitest';
import { buildkitDecoder, classicDecoder, type BuildEvent } from '@dockwright/engine';

describe('the classic builder stream', () => {
  test('steps, cache hits, output, the image id; bookkeeping is dropped', () => {
    const decoder = classicDecoder();
    const events: BuildEvent[] = [
      { stream: 'Step 1/3 : FROM busybox\n' },
      { stream: ' ---> 7318b7927e30\n' },
      { stream: 'Step 2/3 : RUN echo hi\n' },
      { stream: ' ---> Using cache\n' },
      { stream: ' ---> 1234567890ab\n' },
      { stream: 'Step 3/3 : RUN make\n' },
      { stream: ' ---> Running in 0123456789ab\n' },
      { stream: 'compiling\n' },
      { stream: 'Removing intermediate container 0123456789ab\n' },
      { aux: { ID: 'sha256:abc' } },
      { stream: 'Successfully built abc\n' },
    ].flatMap((m) => decoder.decode(m));
    expect(events).toEqual([
      { type: 'step', id: '1', name: 'FROM busybox' },
      { type: 'stepDone', id: '1', name: 'FROM busybox', cached: false },
      { type: 'step', id: '2', name: 'RUN echo hi' },
      { type: 'stepDone', id: '2', name: 'RUN echo hi', cached: true },
      { type: 'step', id: '3', name: 'RUN make' },
      { type: 'log', id: '3', text: 'compiling' },
      { type: 'stepDone', id: '3', name: 'RUN make', cached: false },
      { type: 'image', id: 'sha256:abc' },
    ]);
  });

  test('errorDetail fails the build and names the step in progress', () => {
    const decoder = classicDecoder();
    decoder.decode({ stream: 'Step 2/2 : RUN exit 3\n' });
    expect(decoder.decode({ errorDetail: { message: 'returned a non-zero code: 3' }, error: 'returned a non-zero code: 3' })).toEqual([
      { type: 'error', message: 'returned a non-zero code: 3', step: 'RUN exit 3' },
    ]);
  });
});

describe("BuildKit's moby.buildkit.trace messages", () => {
  // A StatusResponse encoded as BuildKit does, with the fields' numbers from control.proto.
  const root = protobuf.Root.fromJSON({
    nested: {
      Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
      Vertex: {
        fields: {
          digest: { type: 'string', id: 1 },
          name: { type: 'string', id: 3 },
          cached: { type: 'bool', id: 4 },
          started: { type: 'Timestamp', id: 5 },
          completed: { type: 'Timestamp', id: 6 },
          error: { type: 'string', id: 7 },
        },
      },
      VertexLog: { fields: { vertex: { type: 'string', id: 1 }, stream: { type: 'int64', id: 3 }, msg: { type: 'bytes', id: 4 } } },
      StatusResponse: { fields: { vertexes: { rule: 'repeated', type: 'Vertex', id: 1 }, logs: { rule: 'repeated', type: 'VertexLog', id: 3 } } },
    },
  });
  const encode = (status: object): string => {
    const type = root.lookupType('StatusResponse');
    return Buffer.from(type.encode(type.fromObject(status)).finish()).toString('base64');
  };
  const now = { seconds: 1, nanos: 0 };

  test('instruction vertexes become steps; internal ones do not; logs belong to their vertex', () => {
    const decoder = buildkitDecoder();
    const events = [
      { vertexes: [{ digest: 'i', name: '[internal] load build definition', started: now, completed: now }] },
      { vertexes: [{ digest: 'a', name: '[build 2/3] RUN make', started: now }] },
      { logs: [{ vertex: 'a', stream: 1, msg: Buffer.from('compiling\n') }] },
      { vertexes: [{ digest: 'a', name: '[build 2/3] RUN make', started: now, completed: now }] },
      { vertexes: [{ digest: 'b', name: '[3/3] COPY x /x', started: now, completed: now, cached: true }] },
    ].flatMap((status) => decoder.decode({ id: 'moby.buildkit.trace', aux: encode(status) }));
    expect(events).toEqual([
      { type: 'step', id: 'a', name: 'RUN make' },
      { type: 'log', id: 'a', text: 'compiling' },
      { type: 'stepDone', id: 'a', name: 'RUN make', cached: false },
      { type: 'step', id: 'b', name: 'COPY x /x' },
      { type: 'stepDone', id: 'b', name: 'COPY x /x', cached: true },
    ]);
    expect(decoder.decode({ id: 'moby.image.id', aux: { ID: 'sha256:def' } })).toEqual([{ type: 'image', id: 'sha256:def' }]);
  });

  test('a failed vertex names the step of the final error', () => {
    const decoder = buildkitDecoder();
    decoder.decode({
      id: 'moby.buildkit.trace',
      aux: encode({ vertexes: [{ digest: 'a', name: '[2/2] RUN exit 3', started: now, completed: now, error: 'exit code: 3' }] }),
    });
    expect(decoder.decode({ errorDetail: { message: 'executor failed running: exit code: 3' } })).toEqual([
      { type: 'error', message: 'executor failed running: exit code: 3', step: 'RUN exit 3' },
    ]);
  });
});
