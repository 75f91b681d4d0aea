import { isLiteral } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

const PORT = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** Ports are 1-65535, ranges go upwards, protocols are tcp, udp or sctp. */
export const InvalidPort = defineRule({
  name: 'InvalidPort',
  severity: 'error',
  description: 'An EXPOSE port is not a port, range or port/protocol.',
  url: dockwrightUrl('InvalidPort'),
  create(ctx) {
    return {
      instruction: {
        expose: (node) => {
          for (const port of node.ports) {
            if (!isLiteral(port) || port === '' || port.includes(':')) continue;
            const problem = portProblem(port);
            if (problem) ctx.report(node.loc, `EXPOSE ${JSON.stringify(port)}: ${problem}.`);
          }
        },
      },
    };
  },
});

function portProblem(port: string): string | undefined {
  const match = PORT.exec(port);
  if (!match) return 'expected a port (80), a range (8000-8010) or either with a protocol (53/udp)';
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low < 1 || low > 65535 || high < 1 || high > 65535) return 'ports are 1 to 65535';
  if (high < low) return 'the range goes downwards';
  if (match[3] !== undefined && !PROTOCOLS.has(match[3].toLowerCase())) return 'the protocol must be tcp, udp or sctp';
  return undefined;
}
