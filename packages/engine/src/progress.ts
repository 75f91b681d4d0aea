import protobuf from 'protobufjs/light.js';

/**
 * One model for the progress of every builder: the classic builder's JSON stream and BuildKit's
 * `moby.buildkit.trace` status messages both decode into these events.
 */
export type BuildEvent =
  /** An instruction started (`Step 2/5 : RUN make`, BuildKit's `[build 2/5] RUN make`). */
  | { readonly type: 'step'; readonly id: string; readonly name: string }
  /** An instruction finished; `cached` when the layer came from the cache. */
  | { readonly type: 'stepDone'; readonly id: string; readonly name: string; readonly cached: boolean }
  /** Output of an instruction (one or more lines). */
  | { readonly type: 'log'; readonly id: string | undefined; readonly text: string }
  /** The build failed; `step` is the instruction that failed, when known. */
  | { readonly type: 'error'; readonly message: string; readonly step: string | undefined }
  /** The build produced an image. */
  | { readonly type: 'image'; readonly id: string };

/** Turns the engine's JSON messages into events; one decoder per build (it keeps state). */
export interface ProgressDecoder {
  decode(message: EngineMessage): BuildEvent[];
}

/** A message of the `/build` stream (JSON lines). */
export interface EngineMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly aux?: unknown;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

/** Lines the classic builder prints about itself, not about the instruction. */
const BOOKKEEPING = /^(?: ---> [0-9a-f]{12}$| ---> Running in | ---> \[Warning\] |Removing intermediate container |Successfully (?:built|tagged) )/;

/** The classic builder paints what a RUN writes to stderr red (`\x1b[91m` ... `\x1b[0m`): our view, not the output. */
const CLASSIC_COLOUR = /\x1b\[(?:91|0)m/g;

/** The classic builder: `Step i/n : X`, ` ---> Using cache`, `Successfully built`, `aux.ID`. */
export function classicDecoder(): ProgressDecoder {
  let current: { id: string; name: string; cached: boolean } | undefined;
  const finish = (events: BuildEvent[]): void => {
    if (current) events.push({ type: 'stepDone', id: current.id, name: current.name, cached: current.cached });
    current = undefined;
  };
  return {
    decode(message) {
      const events: BuildEvent[] = [];
      if (message.errorDetail || message.error) {
        events.push({ type: 'error', message: message.errorDetail?.message ?? message.error ?? 'build failed', step: current?.name });
        current = undefined;
        return events;
      }
      const aux = message.aux as { ID?: string } | undefined;
      if (aux?.ID) {
        finish(events);
        events.push({ type: 'image', id: aux.ID });
        return events;
      }
      const written = message.stream ?? message.status;
      if (written === undefined) return events;
      const text = written.replace(CLASSIC_COLOUR, '');
      for (const line of text.split('\n')) {
        const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (step) {
          finish(events);
          current = { id: step[1]!, name: step[3]!, cached: false };
          events.push({ type: 'step', id: current.id, name: current.name });
        } else if (/^ ---> Using cache$/.test(line)) {
          if (current) current.cached = true;
        } else if (BOOKKEEPING.test(line)) {
          // the builder talking about itself
        } else if (line.trim() !== '') {
          events.push({ type: 'log', id: current?.id, text: line });
        }
      }
      return events;
    },
  };
}

interface Timestamp {
  readonly seconds?: number | Long;
  readonly nanos?: number;
}
type Long = { toNumber(): number };

interface Vertex {
  readonly digest: string;
  readonly name: string;
  readonly cached: boolean;
  readonly started?: Timestamp | null;
  readonly completed?: Timestamp | null;
  readonly error: string;
}

interface VertexLog {
  readonly vertex: string;
  readonly msg: Uint8Array;
}

interface StatusResponse {
  readonly vertexes: readonly Vertex[];
  readonly logs: readonly VertexLog[];
}

// moby/buildkit api/services/control/control.proto: the fields of StatusResponse we read.
const TIMESTAMP = { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } };
const root = protobuf.Root.fromJSON({
  nested: {
    Timestamp: TIMESTAMP,
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        inputs: { rule: 'repeated', type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: {
      fields: {
        vertex: { type: 'string', id: 1 },
        timestamp: { type: 'Timestamp', id: 2 },
        stream: { type: 'int64', id: 3 },
        msg: { type: 'bytes', id: 4 },
      },
    },
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
      },
    },
  },
});
const StatusResponseType = root.lookupType('StatusResponse');

/** Decodes one base64 `moby.buildkit.trace` payload. */
export function decodeStatus(base64: string): StatusResponse {
  return StatusResponseType.decode(Buffer.from(base64, 'base64')) as unknown as StatusResponse;
}

/**
 * BuildKit: vertexes start, complete (maybe cached) or fail; logs belong to a vertex. Vertexes
 * that are not Dockerfile instructions (`[internal] load ...`, `exporting to image`) are not steps.
 */
export function buildkitDecoder(): ProgressDecoder {
  const started = new Set<string>();
  const done = new Set<string>();
  const names = new Map<string, string>();
  let lastError: { message: string; step: string } | undefined;
  return {
    decode(message) {
      const events: BuildEvent[] = [];
      if (message.errorDetail || message.error) {
        events.push({ type: 'error', message: message.errorDetail?.message ?? message.error ?? 'build failed', step: lastError?.step });
        return events;
      }
      if (message.id === 'moby.image.id') {
        const aux = message.aux as { ID?: string } | undefined;
        if (aux?.ID) events.push({ type: 'image', id: aux.ID });
        return events;
      }
      if (message.id !== 'moby.buildkit.trace' || typeof message.aux !== 'string') return events;
      const status = decodeStatus(message.aux);
      for (const vertex of status.vertexes) {
        names.set(vertex.digest, vertex.name);
        // Dockerfile instructions are named `[stage i/n] INSTRUCTION`; the rest is BuildKit's own work.
        const isStep = /^\[[^\]]*\d+\/\d+\]/.test(vertex.name);
        if (vertex.started && !started.has(vertex.digest)) {
          started.add(vertex.digest);
          if (isStep) events.push({ type: 'step', id: vertex.digest, name: stepName(vertex.name) });
        }
        if (vertex.error) lastError = { message: vertex.error, step: stepName(vertex.name) };
        if ((vertex.completed || vertex.cached) && !done.has(vertex.digest) && !vertex.error) {
          done.add(vertex.digest);
          if (isStep) events.push({ type: 'stepDone', id: vertex.digest, name: stepName(vertex.name), cached: vertex.cached });
        }
      }
      for (const log of status.logs) {
        const text = Buffer.from(log.msg).toString('utf8').replace(/\n$/, '');
        if (text !== '') events.push({ type: 'log', id: log.vertex, text });
      }
      return events;
    },
  };
}

/** `[build 2/4] RUN make` -> `RUN make` */
export function stepName(vertexName: string): string {
  return vertexName.replace(/^\[[^\]]*\]\s*/, '');
}
