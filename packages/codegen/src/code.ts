/**
 * The TypeScript that import writes, as a small tree of expressions printed in one place: quoting,
 * escaping and the layout of call chains are decided here, and generate.ts only says what to
 * write. (ts-morph writes the statements around these expressions and formats the file.)
 */
export type Expr =
  /** A string literal: `'…'`, or a template literal when the text spans lines. */
  | { readonly kind: 'string'; readonly value: string }
  /** Written as it is: a variable, a number, `true`, `undefined`, `platformArgs.TARGETOS`. */
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'array'; readonly items: readonly Expr[] }
  /** `{ key: value, … }`; entries whose value is undefined are left out. */
  | { readonly kind: 'object'; readonly entries: readonly Entry[] }
  | { readonly kind: 'call'; readonly callee: string; readonly args: readonly Expr[] }
  /** `head.a(…).b(…)`: one call a line when `multiline`, as a definitions file chains its calls. */
  | { readonly kind: 'chain'; readonly head: Expr; readonly calls: readonly MethodCall[]; readonly multiline: boolean }
  /** `(param) => body` */
  | { readonly kind: 'arrow'; readonly param: string; readonly body: Expr }
  /** A tagged template (`` expand`golang:${version}` ``): literal text and expressions in turn. */
  | { readonly kind: 'template'; readonly tag: string; readonly parts: readonly (string | Expr)[] };

export type Entry = readonly [key: string, value: Expr | undefined];

export interface MethodCall {
  readonly name: string;
  readonly args: readonly Expr[];
}

export const str = (value: string): Expr => ({ kind: 'string', value });
export const code = (text: string | number | boolean): Expr => ({ kind: 'code', code: String(text) });
export const array = (items: readonly Expr[]): Expr => ({ kind: 'array', items });
export const strings = (items: readonly string[]): Expr => array(items.map(str));
export const object = (entries: readonly Entry[]): Expr => ({ kind: 'object', entries });
export const call = (callee: string, args: readonly (Expr | undefined)[]): Expr => ({ kind: 'call', callee, args: present(args) });
export const method = (name: string, args: readonly (Expr | undefined)[]): MethodCall => ({ name, args: present(args) });
export const chain = (head: Expr, calls: readonly MethodCall[], multiline = true): Expr => ({ kind: 'chain', head, calls, multiline });
export const arrow = (param: string, body: Expr): Expr => ({ kind: 'arrow', param, body });
export const template = (tag: string, parts: readonly (string | Expr)[]): Expr => ({ kind: 'template', tag, parts });

/** An options object as the last argument: undefined (so left out) when it has no entry. */
export function options(entries: readonly Entry[]): Expr | undefined {
  const kept = entries.filter(([, value]) => value !== undefined);
  return kept.length === 0 ? undefined : object(kept);
}

/** Trailing undefined arguments are left out; one in the middle is written as `undefined`. */
function present(args: readonly (Expr | undefined)[]): Expr[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return args.slice(0, end).map((arg) => arg ?? code('undefined'));
}

export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'string':
      return tsString(expr.value);
    case 'code':
      return expr.code;
    case 'array':
      return `[${expr.items.map(printExpr).join(', ')}]`;
    case 'object': {
      const entries = expr.entries.flatMap(([key, value]) => (value === undefined ? [] : [`${propertyName(key)}: ${printExpr(value)}`]));
      return `{ ${entries.join(', ')} }`;
    }
    case 'call':
      return `${expr.callee}(${expr.args.map(printExpr).join(', ')})`;
    case 'chain': {
      const calls = expr.calls.map((c) => `.${c.name}(${c.args.map(printExpr).join(', ')})`);
      return [printExpr(expr.head), ...calls].join(expr.multiline ? '\n' : '');
    }
    case 'arrow':
      return `(${expr.param}) => ${printExpr(expr.body)}`;
    case 'template': {
      const body = expr.parts.map((part) => (typeof part === 'string' ? templateText(part) : '${' + printExpr(part) + '}'));
      return `${expr.tag}\`${body.join('')}\``;
    }
  }
}

/** A TypeScript string literal for `text`: a template literal when it spans lines. */
export function tsString(text: string): string {
  if (text.includes('\n')) return '`' + templateText(text) + '`';
  return (
    "'" +
    text
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "\\'")
      .replace(/\r/g, '\\r')
      .replace(/\0/g, '\\0')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') +
    "'"
  );
}

/** Text inside a template literal, taken literally: a carriage return escaped, as JavaScript reads `\r\n` there as `\n`. */
function templateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\r/g, '\\r');
}

/** An object key: as it is when it is an identifier, else quoted. */
function propertyName(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}
