import type { ImageEvent, ImageResult, Outcome } from '@dockwright/engine';
import type { Io } from './io.js';
import { painter, printable, type Paint } from './report.js';

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

/** One live line per image with its current step; logs are kept for failures, not shown. */
async function ttyView(io: Io, images: readonly string[], paint: Paint): Promise<ProgressView> {
  const { createLogUpdate } = await import('log-update');
  const render = createLogUpdate(io.stderr as NodeJS.WriteStream);
  const width = Math.max(...images.map((name) => name.length));
  const state = new Map<string, string>(images.map((name) => [name, paint('dim', 'waiting')]));
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const running = new Set<string>();
  let frame = 0;
  const draw = (): void => {
    const lines = images.map((name) => {
      const mark = running.has(name) ? paint('cyan', frames[frame % frames.length]!) : ' ';
      return `${mark} ${paint('bold', name.padEnd(width))}  ${state.get(name)}`;
    });
    render(lines.join('\n'));
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, 100);
  timer.unref();
  return {
    event(image, event) {
      if (event.type === 'started') running.add(image);
      if (event.type === 'finished') running.delete(image);
      const line = event.type === 'log' ? undefined : describe(event, paint);
      if (line !== undefined) state.set(image, truncate(line, (io.stderr as { columns?: number }).columns ?? 100, width + 4));
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
      render.done();
    },
  };
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

function truncate(text: string, columns: number, used: number): string {
  const room = Math.max(20, columns - used);
  return text.length > room ? text.slice(0, room - 1) + '…' : text;
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
