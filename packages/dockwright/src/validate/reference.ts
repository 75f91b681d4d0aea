import { remembered } from '../ir/remember.js';

/**
 * Docker's image reference grammar (distribution/reference):
 * `[domain[:port]/]path-component[/path-component...][:tag][@digest]`, the path in lower case.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** distribution/reference's NameTotalLengthMax. */
const NAME_MAX = 255;

/** True for a valid image reference such as `alpine`, `node:20-alpine`, `ghcr.io/org/app@sha256:...`. */
export function isImageReference(value: string): boolean {
  return value.length <= NAME_MAX + 129 + 80 && matchesReference(value);
}

const matchesReference = remembered((value) => REFERENCE.test(value));

/**
 * Why `value` cannot name a tag (`docker build -t`, `docker tag`), phrased to follow "is not a
 * valid tag: ", or undefined when it can. A tag is a reference with no digest.
 */
export function tagProblem(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (/\s/.test(value)) return 'it contains whitespace';
  if (value.includes('@')) return 'a tag cannot carry a digest (@sha256:...)';
  const slash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  const name = colon > slash ? value.slice(0, colon) : value;
  const tag = colon > slash ? value.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG_ONLY.test(tag)) {
    return tag === '' ? 'the tag after ":" is empty' : `the tag "${tag}" must be letters, digits, "_", "." and "-" (first not "." or "-"), at most 128`;
  }
  if (name.length > NAME_MAX) return `the repository name is ${name.length} characters long, more than ${NAME_MAX}`;
  const first = name.split('/')[0]!;
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  const path = hasDomain ? name.slice(first.length + 1) : name;
  if (hasDomain && !new RegExp(`^${DOMAIN}$`).test(first)) return `"${first}" is not a registry host[:port]`;
  if (path !== path.toLowerCase()) {
    // Docker takes an upper-case first component for a registry host; nobody means that.
    const host = hasDomain && (first.includes('.') || first.includes(':') || first === 'localhost') ? `${first}/` : '';
    const suggestion = `${host}${(host ? path : name).toLowerCase()}${tag === undefined ? '' : `:${tag}`}`;
    return `the repository name must be lower case (${suggestion})`;
  }
  if (!PATH.test(path)) return 'the repository name must be lower-case letters and digits, separated by "/", ".", "_", "__" or "-"';
  return undefined;
}
