import { messageType } from './protocol.js';

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

/** The fields of BuildKit's `moby.buildkit.v1.StatusResponse` that progress reads (control.proto). */
export interface StatusResponse {
  readonly vertexes: readonly {
    readonly digest: string;
    readonly name: string;
    readonly cached: boolean;
    readonly started?: object | null;
    readonly completed?: object | null;
    readonly error: string;
  }[];
  readonly logs: readonly { readonly vertex: string; readonly msg: Uint8Array }[];
  readonly warnings?: readonly { readonly vertex: string; readonly short: Uint8Array }[];
}

/** Decodes one base64 `moby.buildkit.trace` payload (the Docker Engine wraps BuildKit's status in its JSON stream). */
export function decodeStatus(base64: string): StatusResponse {
  return messageType('moby.buildkit.v1.StatusResponse').decode(Buffer.from(base64, 'base64')) as unknown as StatusResponse;
}

/** Turns BuildKit's status messages into events; one per build (it keeps state). */
export interface StatusDecoder {
  decode(status: StatusResponse): BuildEvent[];
  /** The instruction whose vertex failed last, for a failure's line. */
  failedStep(): string | undefined;
}

/**
 * BuildKit: vertexes start, complete (maybe cached) or fail; logs belong to a vertex. Vertexes
 * that are not Dockerfile instructions (`[internal] load ...`, `exporting to image`) are not steps.
 */
export function statusDecoder(): StatusDecoder {
  const started = new Set<string>();
  const done = new Set<string>();
  const warned = new Set<string>();
  let failed: string | undefined;
  return {
    decode(status) {
      const events: BuildEvent[] = [];
      for (const vertex of status.vertexes) {
        // Dockerfile instructions are named `[stage i/n] INSTRUCTION`; the rest is BuildKit's own work.
        const isStep = /^\[[^\]]*\d+\/\d+\]/.test(vertex.name);
        if (vertex.started && !started.has(vertex.digest)) {
          started.add(vertex.digest);
          if (isStep) events.push({ type: 'step', id: vertex.digest, name: stepName(vertex.name) });
        }
        if (vertex.error) failed = stepName(vertex.name);
        if ((vertex.completed || vertex.cached) && !done.has(vertex.digest) && !vertex.error) {
          done.add(vertex.digest);
          if (isStep) events.push({ type: 'stepDone', id: vertex.digest, name: stepName(vertex.name), cached: vertex.cached });
        }
      }
      for (const log of status.logs) {
        const text = Buffer.from(log.msg).toString('utf8').replace(/\n$/, '');
        if (text !== '') events.push({ type: 'log', id: log.vertex, text });
      }
      for (const warning of status.warnings ?? []) {
        const text = Buffer.from(warning.short).toString('utf8');
        if (warned.has(text)) continue;
        warned.add(text);
        events.push({ type: 'log', id: warning.vertex, text: `warning: ${text}` });
      }
      return events;
    },
    failedStep: () => failed,
  };
}

/** The engine's BuildKit builds: its JSON stream carries BuildKit's status, the image id and the error. */
export function buildkitDecoder(): ProgressDecoder {
  const status = statusDecoder();
  return {
    decode(message) {
      if (message.errorDetail || message.error) {
        return [{ type: 'error', message: message.errorDetail?.message ?? message.error ?? 'build failed', step: status.failedStep() }];
      }
      if (message.id === 'moby.image.id') {
        const aux = message.aux as { ID?: string } | undefined;
        return aux?.ID ? [{ type: 'image', id: aux.ID }] : [];
      }
      if (message.id !== 'moby.buildkit.trace' || typeof message.aux !== 'string') return [];
      return status.decode(decodeStatus(message.aux));
    },
  };
}

/** `[build 2/4] RUN make` -> `RUN make` */
export function stepName(vertexName: string): string {
  return vertexName.replace(/^\[[^\]]*\]\s*/, '');
}
