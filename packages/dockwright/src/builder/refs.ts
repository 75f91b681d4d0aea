import { DockwrightError } from '../errors/errors.js';
import type { TriviaNode } from '../ir/nodes/index.js';
import { AUTOMATIC_ARGS, textNode, type Text, type TextNode, type TextPart } from '../ir/text.js';
import { triviaLines } from './trivia.js';

/** Options of `arg()`. */
export interface ArgOptions {
  /** For an ARG declared before the first FROM: the blank and comment lines before it, as in `FromOptions.before`. */
  readonly before?: readonly string[];
}

/** A build argument. Use it in `expand` templates and `from()`; declare it inside a stage with `.arg(ref)` before a stage instruction uses it. */
export interface ArgRef {
  readonly kind: 'argRef';
  readonly name: string;
  /** A literal default, or an `expand`/`raw` template that uses other build arguments. */
  readonly default?: Text | undefined;
  /** The declaration this one redeclares (`arg(previous, default)`): it is declared first. */
  readonly previous?: ArgRef | undefined;
  /** The blank and comment lines before it, when it is declared before the first FROM. */
  readonly before?: readonly TriviaNode[] | undefined;
}

/** An environment variable (set by the base image or an earlier `.env()`), for `expand` templates. */
export interface EnvRef {
  readonly kind: 'envRef';
  readonly name: string;
}

/** Anything a builder method takes where Docker expands variables. */
export type TextInput = string | ArgRef | EnvRef | TextNode;

/**
 * Declares a build argument reference, with an optional default: a string, or an `expand`
 * template that uses other arguments (`arg('B', expand\`${a}-x\`)` declares A first). Given a
 * reference instead of a name, it redeclares that argument with a new default, as a Dockerfile
 * may (`ARG V=${TARGETPLATFORM#linux/}` then `ARG V=${V:-none}`): both are declared, in order.
 *
 * @example
 * const version = arg('NODE_VERSION', '20');
 * from(expand`node:${version}-alpine`)   // ARG NODE_VERSION=20 / FROM node:${NODE_VERSION}-alpine
 */
export function arg(nameOrPrevious: string | ArgRef, defaultValue?: string | TextNode, options: ArgOptions = {}): ArgRef {
  const previous = typeof nameOrPrevious === 'object' && nameOrPrevious?.kind === 'argRef' ? nameOrPrevious : undefined;
  const name = previous ? previous.name : nameOrPrevious;
  requireString(name, 'arg() name');
  if (defaultValue !== undefined && !(typeof defaultValue === 'object' && defaultValue?.kind === 'text')) requireString(defaultValue, 'arg() default');
  const before = triviaLines(options.before, 'arg() before');
  return Object.freeze({ kind: 'argRef', name, default: defaultValue, ...(previous ? { previous } : {}), ...(before ? { before } : {}) });
}

/** Refers to an environment variable, for use in `expand` templates. */
export function env(name: string): EnvRef {
  requireString(name, 'env() name');
  return Object.freeze({ kind: 'envRef', name });
}

/**
 * A template whose `${ref}` holes Docker expands; the literal parts stay literal.
 *
 * @example
 * .env('PATH', expand`/app/bin:${env('PATH')}`)   // ENV PATH=/app/bin:${PATH}
 */
export function expand(strings: TemplateStringsArray, ...values: (ArgRef | EnvRef | string | number)[]): TextNode {
  const parts: TextPart[] = [];
  strings.forEach((literal, i) => {
    if (literal) parts.push(literal);
    if (i >= values.length) return;
    const value = values[i];
    if (typeof value === 'string' || typeof value === 'number') parts.push(String(value));
    else if (value && (value.kind === 'argRef' || value.kind === 'envRef')) parts.push(varPart(value));
    else throw invalidArgument(`expand: hole ${i + 1} is not a string, number, arg() or env() reference`);
  });
  const node = textNode(mergeLiterals(parts));
  const refs = values.filter((v): v is ArgRef => typeof v === 'object' && v.kind === 'argRef');
  if (refs.length > 0) argRefsByTemplate.set(node, refs);
  return node;
}

/** The ArgRefs each template embeds, kept beside the IR so global ARGs keep their defaults. */
const argRefsByTemplate = new WeakMap<TextNode, readonly ArgRef[]>();

/**
 * Text that Docker expands exactly as written, `$` included: the escape hatch for variables the
 * builder cannot type (`raw('$HOME/bin')`). Prefer `expand` with `arg()`/`env()` references.
 */
export function raw(text: string): TextNode {
  requireString(text, 'raw()');
  return textNode([{ kind: 'raw', text }]);
}

type PlatformArgName = 'BUILDPLATFORM' | 'BUILDOS' | 'BUILDARCH' | 'BUILDVARIANT' | 'TARGETPLATFORM' | 'TARGETOS' | 'TARGETARCH' | 'TARGETVARIANT';

/** The automatic platform ARGs that BuildKit defines (declare them in a stage with `.arg(ref)`). */
export const platformArgs = Object.freeze(Object.fromEntries(AUTOMATIC_ARGS.map((name) => [name, arg(name)])) as Record<PlatformArgName, ArgRef>);

/** Converts what a user passed into IR text; throws for values of the wrong type. */
export function toText(input: TextInput, what: string): Text {
  if (typeof input === 'string') return input;
  if (input && typeof input === 'object') {
    if (input.kind === 'argRef' || input.kind === 'envRef') return textNode([varPart(input)]);
    if (input.kind === 'text') return input;
  }
  throw invalidArgument(`${what} must be a string, arg() or env() reference, or expand\`...\` template`);
}

/** Like `toText`, for `{ expand: true }`: a plain string is expanded by Docker as written. */
export function toTextExpanding(input: TextInput, expandAsWritten: boolean | undefined, what: string): Text {
  return expandAsWritten && typeof input === 'string' ? raw(input) : toText(input, what);
}

/** The ArgRefs an input mentions, so global ARGs used in FROM can be declared with their defaults. */
export function argRefsOf(input: TextInput | undefined): readonly ArgRef[] {
  if (!input || typeof input !== 'object') return [];
  if (input.kind === 'argRef') return [input];
  if (input.kind === 'text') return argRefsByTemplate.get(input) ?? [];
  return [];
}

function varPart(ref: ArgRef | EnvRef): TextPart {
  return Object.freeze({ kind: 'var', name: ref.name, source: ref.kind === 'argRef' ? 'arg' : 'env' });
}

function mergeLiterals(parts: TextPart[]): TextPart[] {
  const merged: TextPart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  return merged;
}

export function requireString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(`${what} must be a string, got ${describe(value)}`);
}

export function invalidArgument(message: string): DockwrightError {
  return new DockwrightError('builder.invalidArgument', message);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
