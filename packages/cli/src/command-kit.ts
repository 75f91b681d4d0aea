import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LOAD_TIMEOUT } from './defaults.js';
import type { Io } from './io.js';

// Bundled into the command's build (rolldown.config.ts): no package to resolve at start.
export { Command, CommanderError, InvalidArgumentError, Option };

/** What a command's action reaches: the process's streams and environment, and where to put its exit code. */
export interface CommandContext {
  readonly io: Io;
  setExitCode(code: number): void;
}

/**
 * A command's module: it declares the command's arguments, options (with their parsers and
 * choices) and help on the `Command` that program.ts made with the command's name and summary,
 * and its action, next to the typed flags the action receives.
 */
export type DefineCommand = (command: Command, ctx: CommandContext) => void;

/** `-f, --file`, `--typecheck` and `--load-timeout`: the options of every command that reads definitions. */
export function addDefinitionOptions(command: Command): Command {
  return command
    .addOption(new Option('-f, --file <path>', 'definitions file (.ts, .mts, .tsx, .js, .mjs)').default('dockwright.ts'))
    .addOption(new Option('--typecheck', 'type-check the definitions with TypeScript first'))
    .addOption(
      new Option('--load-timeout <duration>', 'give up on a definitions file still loading after this long (0: never)')
        .argParser(durationValue)
        .default(durationMs(DEFAULT_LOAD_TIMEOUT), DEFAULT_LOAD_TIMEOUT),
    );
}

/** `--builder` (repeatable) and the TLS files of a tcp:// BuildKit daemon: the options of build and engine. */
export function addBuilderOptions(command: Command, builderHelp: string): Command {
  return command
    .option('--builder <builder>', builderHelp, collect)
    .option('--tlscacert <file>', 'CA certificate of a tcp:// BuildKit daemon')
    .option('--tlscert <file>', 'client certificate for a tcp:// BuildKit daemon')
    .option('--tlskey <file>', 'client key for a tcp:// BuildKit daemon')
    .option('--tlsservername <name>', "the server name the daemon's certificate holds")
    .option('--tlsdir <dir>', 'a folder holding ca.pem, cert.pem and key.pem');
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses a duration (`90s`, `10m`, `1h30m`, or seconds) to milliseconds at the door. */
export function durationValue(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 90s, 10m or 1h30m.');
  return ms;
}

/** `90s`, `10m`, `1h30m`, or a number of seconds, in milliseconds; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') return undefined;
  return ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000;
}

/** Parses a whole number of 1 or more at the door. */
export function countValue(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}
