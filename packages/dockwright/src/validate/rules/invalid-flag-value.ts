import type { AnyInstructionNode, Mount } from '../../ir/nodes/index.js';
import { isLiteral, type Text } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const CHMOD = /^(?:[0-7]{3,4}|[ugoa]*[-+=][rwxXst]*(?:,[ugoa]*[-+=][rwxXst]*)*)$/;
const OCTAL_MODE = /^0?[0-7]{3,4}$/;
const CHECKSUM = /^sha(?:256|384|512):[0-9a-f]+$/;
const SIGNAL = /^(?:SIG[A-Z0-9+-]+|[A-Z0-9+-]+|\d+)$/;
const SIZE = /^\d+(?:[kmgKMG]i?[bB]?|[bB])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Flag values that Docker would refuse when the build starts: catch them at synth time instead. */
export const InvalidFlagValue = defineRule({
  name: 'InvalidFlagValue',
  severity: 'error',
  description: 'A flag or option has a value Docker does not accept.',
  url: dockwrightUrl('InvalidFlagValue'),
  create(ctx) {
    const bad = (node: AnyInstructionNode, message: string): void => ctx.report(node.loc, message);
    const literalMatches = (text: Text | undefined, re: RegExp): boolean => text === undefined || !isLiteral(text) || re.test(text);
    const oneOf = (node: AnyInstructionNode, flag: string, value: string | undefined, allowed: readonly string[]): void => {
      if (value !== undefined && !allowed.includes(value)) bad(node, `${flag}=${value} is invalid: expected ${allowed.join(', ')}.`);
    };
    const count = (node: AnyInstructionNode, flag: string, value: number | undefined): void => {
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) bad(node, `${flag}=${value} is invalid: expected a whole number of 0 or more.`);
    };
    const mount = (node: AnyInstructionNode, m: Mount): void => {
      const flag = `--mount=type=${m.type}`;
      if (m.type === 'cache') oneOf(node, `${flag} sharing`, m.sharing, ['shared', 'private', 'locked']);
      if ('mode' in m && m.mode !== undefined && !OCTAL_MODE.test(m.mode)) bad(node, `${flag} mode=${m.mode} is invalid: expected an octal mode such as 0755.`);
      if ('uid' in m) count(node, `${flag} uid`, m.uid);
      if ('gid' in m) count(node, `${flag} gid`, m.gid);
      if (m.type === 'tmpfs' && m.size !== undefined && !SIZE.test(m.size))
        bad(node, `${flag} size=${m.size} is invalid: expected bytes or a size such as 64m.`);
      if (m.type === 'secret' && m.env !== undefined && !ENV_NAME.test(m.env)) bad(node, `${flag} env=${m.env} is not a variable name.`);
      if (m.type === 'secret' && m.id === undefined && m.target === undefined && m.env === undefined) {
        bad(node, `${flag} needs an id, a target or an env.`);
      }
    };
    const duration = (node: AnyInstructionNode, flag: string, value: string | undefined): void => {
      if (value !== undefined && !DURATION.test(value)) bad(node, `${flag}=${value} is invalid: expected a duration such as 30s or 1m30s.`);
    };
    const chmod = (node: AnyInstructionNode, value: Text | undefined): void => {
      if (!literalMatches(value, CHMOD)) bad(node, `--chmod=${value as string} is invalid: expected an octal mode (755) or a symbolic one (u+x).`);
    };
    return {
      instruction: {
        run: (node) => {
          oneOf(node, '--network', node.network, ['default', 'none', 'host']);
          oneOf(node, '--security', node.security, ['sandbox', 'insecure']);
          node.mounts.forEach((m) => mount(node, m));
        },
        healthcheck: (node) => {
          duration(node, '--interval', node.interval);
          duration(node, '--timeout', node.timeout);
          duration(node, '--start-period', node.startPeriod);
          duration(node, '--start-interval', node.startInterval);
          count(node, '--retries', node.retries);
        },
        stopsignal: (node) => {
          if (!literalMatches(node.signal, SIGNAL)) bad(node, `STOPSIGNAL ${node.signal as string} is not a signal name (SIGTERM) or number.`);
        },
        copy: (node) => chmod(node, node.chmod),
        add: (node) => {
          chmod(node, node.chmod);
          if (node.checksum !== undefined && !CHECKSUM.test(node.checksum)) {
            bad(node, `--checksum=${node.checksum} is invalid: expected sha256:<hex digest>.`);
          }
        },
      },
    };
  },
});
