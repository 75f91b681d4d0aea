import type { ImageEvent, ImageResult, Outcome } from '@dockwright/engine';
import type { Io } from './io.js';
import { painter, printable, type Paint } from './report.js';
import { importModule } from './import-module.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

/** Shows the progress of many images at once. */
export interface ProgressView {
  event(image: string, event: ImageEvent): void;
  /** Stops live rendering; call before printing the summary. */
  close(): void;
}

/** `auto`: a live view on a terminal (unless CI is set), plain lines otherwise. */
export function resolveMode(requested: string, io: Io): ProgressMode {
  if (requested === 'tty' || requested === 'plain' || requested === 'json') return requested;
  return io.stderr.isTTY && !io.env.CI ? 'tty' : 'plain';
}

export async function createProgressView(mode: ProgressMode, io: Io, images: readonly string[], color: boolean): Promise<ProgressView> {
  const paint = painter(color);
  if (mode === 'json') return jsonView(io);
  if (mode === 'plain') return plainView(io, images, paint);
  return ttyView(io, images, paint);
}

/** JSON lines on stdout, one per event, for machines. */
function jsonView(io: Io): ProgressView {
  return {
    event: (image, event) => io.stdout.write(JSON.stringify({ image, ...serializable(event) }) + '\n'),
    close: () => undefined,
  };
}

/** Lines prefixed with the image name, for CI logs. */
function plainView(io: Io, images: readonly string[], paint: Paint): ProgressView {
  const width = Math.max(...images.map((name) => name.length));
  const prefix = (image: string): string => paint('cyan', `[${image.padEnd(width)}]`);
  return {
    event(image, event) {
      // Output of several lines gets the image's prefix on each.
      const events = event.type === 'log' ? event.text.split('\n').map((text) => ({ ...event, text })) : [event];
      for (const one of events) {
        const line = describe(one, paint);
        if (line !== undefined) io.stderr.write(`${prefix(image)} ${line}\n`);
      }
    },
    close: () => undefined,
  };
}

/**
 * The live view, as buildx draws it: a header with the time so far, then each image: a running
 * one with its steps in flight, their elapsed time and the last lines of their output (folded
 * away when the step ends), a finished one as one line, a failed one with its error and the
 * output that led to it, kept. Every line fits the terminal's width, and the frame its height.
 */
async function ttyView(io: Io, images: readonly string[], paint: Paint): Promise<ProgressView> {
  const { createLogUpdate } = await importModule<typeof import('log-update')>('log-update');
  const stream = io.stderr.stream?.() ?? (io.stderr as NodeJS.WriteStream);
  const render = createLogUpdate(stream);
  const live = new LiveState(images);
  let frame = 0;
  const draw = (): void => {
    render(renderLive(live, { now: Date.now(), columns: stream.columns || 100, rows: stream.rows || 40, frame, paint }));
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, 100);
  timer.unref();
  return {
    event(image, event) {
      live.see(image, event, Date.now());
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
      render.done();
    },
  };
}

interface RunningStep {
  readonly name: string;
  readonly startedAt: number;
  readonly output: string[];
}

interface LiveImage {
  readonly name: string;
  status: 'waiting' | 'running' | 'finished';
  startedAt: number;
  /** `building (BuildKit)`, then the latest note; the outcome once finished. */
  line: string;
  failed: boolean;
  readonly steps: Map<string, RunningStep>;
  stepsDone: number;
  stepsCached: number;
  /** A failure's message and the output of the step that failed: kept on screen. */
  readonly kept: string[];
}

/** How many lines of output each running step shows, at most. */
const OUTPUT_LINES = 6;
/** The output kept under a failure. */
const KEPT_LINES = 10;

/** What the live view knows, fed by the build's events. */
export class LiveState {
  readonly startedAt: number;
  readonly images: LiveImage[];
  readonly #byName = new Map<string, LiveImage>();

  constructor(images: readonly string[], now = Date.now()) {
    this.startedAt = now;
    this.images = images.map((name) => ({
      name,
      status: 'waiting',
      startedAt: now,
      line: 'waiting',
      failed: false,
      steps: new Map(),
      stepsDone: 0,
      stepsCached: 0,
      kept: [],
    }));
    for (const image of this.images) this.#byName.set(image.name, image);
  }

  see(name: string, event: ImageEvent, now: number): void {
    const image = this.#byName.get(name);
    if (image === undefined) return;
    switch (event.type) {
      case 'started':
        image.status = 'running';
        image.startedAt = now;
        image.line = describe(event, NO_PAINT)!;
        break;
      case 'note':
      case 'pushing':
        image.line = describe(event, NO_PAINT)!;
        break;
      case 'step':
        image.steps.set(event.id, { name: printable(event.name), startedAt: now, output: [] });
        break;
      case 'stepDone':
        image.steps.delete(event.id);
        image.stepsDone++;
        if (event.cached) image.stepsCached++;
        break;
      case 'log': {
        const step = (event.id === undefined ? undefined : image.steps.get(event.id)) ?? [...image.steps.values()].pop();
        if (step === undefined) break;
        for (const line of event.text.split('\n')) if (line.trim() !== '') step.output.push(printable(line.trimEnd()));
        if (step.output.length > KEPT_LINES) step.output.splice(0, step.output.length - KEPT_LINES);
        break;
      }
      case 'error': {
        image.failed = true;
        const failedStep = [...image.steps.values()].find((s) => event.step !== undefined && s.name.includes(event.step)) ?? [...image.steps.values()].pop();
        image.kept.push(`error: ${printable(event.message.trim())}`, ...(failedStep?.output.slice(-KEPT_LINES).map((l) => `| ${l}`) ?? []));
        break;
      }
      case 'finished':
        image.status = 'finished';
        image.failed ||= event.outcome.status === 'failed';
        image.line = outcomeLine(event.outcome, NO_PAINT);
        image.steps.clear();
        break;
      case 'image':
        break;
    }
  }
}

const NO_PAINT: Paint = (_style, text) => text;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LiveFrame {
  readonly now: number;
  readonly columns: number;
  readonly rows: number;
  readonly frame: number;
  readonly paint: Paint;
}

type Line = { readonly text: string; readonly style?: Parameters<Paint>[0] | undefined; readonly right?: string | undefined };

/** One frame of the live view, as text: every line cut to the width, the whole to the height. */
export function renderLive(state: LiveState, { now, columns, rows, frame, paint }: LiveFrame): string {
  const finished = state.images.filter((i) => i.status === 'finished').length;
  const width = Math.max(...state.images.map((i) => i.name.length));
  const seconds = (from: number): string => `${((now - from) / 1000).toFixed(1)}s`;
  const render = (outputLines: number): Line[] => {
    const lines: Line[] = [{ text: `[+] Building ${seconds(state.startedAt)} (${finished}/${state.images.length} images)`, style: 'bold' }];
    for (const image of state.images) {
      const name = image.name.padEnd(width);
      if (image.status === 'waiting') {
        lines.push({ text: `   ${name}  waiting`, style: 'dim' });
        continue;
      }
      if (image.status === 'finished') {
        const mark = image.failed ? '✖' : '✔';
        lines.push({
          text: ` ${mark} ${name}  ${image.line}`,
          style: image.failed ? 'red' : image.line.startsWith('skipped') || image.line === 'cancelled' ? 'yellow' : 'green',
        });
      } else {
        const done =
          image.stepsDone === 0
            ? ''
            : ` · ${image.stepsDone} step${image.stepsDone === 1 ? '' : 's'} done${image.stepsCached ? `, ${image.stepsCached} cached` : ''}`;
        lines.push({ text: ` ${SPINNER[frame % SPINNER.length]} ${name}  ${image.line}${done}`, right: seconds(image.startedAt) });
        for (const step of image.steps.values()) {
          lines.push({ text: `   => ${step.name}`, right: seconds(step.startedAt) });
          for (const out of step.output.slice(-outputLines)) lines.push({ text: `      ${out}`, style: 'dim' });
        }
      }
      for (const kept of image.kept) lines.push({ text: `      ${kept}`, style: 'red' });
    }
    return lines;
  };
  // The frame must fit the terminal, or each redraw would scroll it: less output first, then fewer lines.
  let lines = render(OUTPUT_LINES);
  for (let n = OUTPUT_LINES - 1; n >= 0 && lines.length > rows - 1; n--) lines = render(n);
  if (lines.length > rows - 1) lines = [...lines.slice(0, Math.max(1, rows - 2)), { text: `   ... ${lines.length - (rows - 2)} more lines`, style: 'dim' }];
  return lines.map((line) => fitLine(line, columns, paint)).join('\n');
}

/** A line cut to `columns` (with "…" only where it was cut), its time right-aligned, then painted. */
function fitLine(line: Line, columns: number, paint: Paint): string {
  const room = Math.max(10, columns - 1); // the last column would wrap on some terminals
  const right = line.right === undefined ? '' : ` ${line.right}`;
  let text = line.text;
  const space = room - right.length;
  if (text.length > space) text = `${text.slice(0, Math.max(0, space - 1))}…`;
  const padded = right === '' ? text : text.padEnd(space) + right;
  return line.style === undefined ? padded : paint(line.style, padded);
}

const BUILDER_NAMES: Readonly<Record<string, string>> = { classic: 'classic builder', buildkit: 'BuildKit', buildkitd: 'BuildKit daemon' };

/** One line for an event, or undefined for events a person need not see. */
function describe(event: ImageEvent, paint: Paint): string | undefined {
  switch (event.type) {
    case 'started':
      return `building (${BUILDER_NAMES[event.builder] ?? event.builder}${event.node ? ` at ${event.node}` : ''})`;
    case 'note':
      return paint('dim', printable(event.text));
    case 'step':
      return printable(event.name);
    case 'stepDone':
      return event.cached ? `${paint('dim', 'cached')} ${printable(event.name)}` : undefined;
    case 'log':
      return paint('dim', `| ${printable(event.text)}`);
    case 'error':
      return paint('red', `error: ${printable(event.message.trim())}`);
    case 'image':
      return undefined;
    case 'pushing':
      return `push ${event.tag}: ${printable(event.text)}`;
    case 'finished':
      return outcomeLine(event.outcome, paint);
  }
}

function outcomeLine(outcome: Outcome<ImageResult>, paint: Paint): string {
  switch (outcome.status) {
    case 'done': {
      const r = outcome.value;
      const pushed = pushSummary(r);
      const pushes = pushed === undefined ? '' : `, ${pushed}`;
      const colour = r.pushed.some((p) => p.error !== undefined) ? 'yellow' : 'green';
      if (r.upToDate) return paint(colour, `up to date ${shortId(r.id)}${pushes}`);
      return paint(
        colour,
        `built ${shortId(r.id)} (${r.size === undefined ? '' : `${formatSize(r.size)}, `}${formatDuration(r.durationMs)}, ${r.cachedSteps}/${r.steps} steps cached)${pushes}`,
      );
    }
    case 'failed':
      return paint('red', 'failed');
    case 'skipped':
      return paint('yellow', `skipped: ${outcome.because}`);
    case 'cancelled':
      return paint('yellow', 'cancelled');
  }
}

/** The summary table: image, tags, id, size, time, cached steps, (on a fleet) node, status. */
export function summaryTable(outcomes: readonly Outcome<ImageResult>[], tagsOf: (name: string) => readonly string[], nodes = false): string {
  const rows = [['IMAGE', 'TAGS', 'ID', 'SIZE', 'TIME', 'CACHED', ...(nodes ? ['NODE'] : []), 'STATUS']];
  for (const outcome of outcomes) {
    const r = outcome.status === 'done' ? outcome.value : undefined;
    rows.push([
      outcome.name,
      tagsOf(outcome.name).join(','),
      r ? shortId(r.id) : '-',
      r?.size !== undefined ? formatSize(r.size) : '-',
      r ? formatDuration(r.durationMs) : '-',
      r ? (r.upToDate ? '-' : `${r.cachedSteps}/${r.steps}`) : '-',
      ...(nodes ? [r?.node ?? '-'] : []),
      r
        ? [r.upToDate ? 'up to date' : 'built', pushSummary(r), r.moved ? `moved (${r.moved})` : undefined].filter(Boolean).join(', ')
        : outcome.status === 'skipped'
          ? `skipped: ${outcome.because}`
          : outcome.status,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `pushed`, or `pushed 1 of 2 tags (app:1 failed)`; undefined when nothing was pushed. */
function pushSummary(result: ImageResult): string | undefined {
  if (result.pushed.length === 0) return undefined;
  const failed = result.pushed.filter((p) => p.error !== undefined).map((p) => p.tag);
  if (failed.length === 0) return 'pushed';
  const done = result.pushed.length - failed.length;
  return `pushed ${done} of ${result.pushed.length} tags (${failed.join(', ')} failed)`;
}

export function shortId(id: string): string {
  return id === '' ? '-' : id.replace(/^sha256:/, '').slice(0, 12);
}

/** Sizes as the docker CLI prints them (powers of 1000). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)}${units[unit]}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Events with errors made JSON-friendly. */
function serializable(event: ImageEvent): Record<string, unknown> {
  if (event.type !== 'finished') return { ...event };
  const outcome = event.outcome;
  if (outcome.status === 'failed') {
    const error = outcome.error as Error & { code?: string };
    return { type: 'finished', status: 'failed', error: { code: error.code, message: error.message } };
  }
  return { type: 'finished', ...outcome };
}
