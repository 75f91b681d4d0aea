import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';
import { buildError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * An HTTP agent whose connections are `ssh [-l user] [-p port] -- host docker system dial-stdio`,
 * the docker CLI's way to reach an engine over ssh (its connhelper): the remote docker CLI
 * relays the connection to the remote engine. The user's ssh config, keys, agent and known
 * hosts apply; connections are kept alive and reused, so a run starts few ssh processes.
 */
export function sshAgent(host: string, env: Env): Agent {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw buildError('engine.config', `${host}: not an ssh://[user@]host[:port] address.`);
  }
  if (url.pathname !== '' && url.pathname !== '/')
    throw buildError('engine.config', `${host}: an ssh address takes no path (the remote docker CLI finds its engine).`);
  const args = ['-o', 'ConnectTimeout=30', '-T'];
  if (url.username) args.push('-l', decodeURIComponent(url.username));
  if (url.port) args.push('-p', url.port);
  args.push('--', url.hostname.replace(/^\[|\]$/g, ''), 'docker', 'system', 'dial-stdio');
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  // `createConnection` is how an Agent makes its sockets; Node's types leave it out.
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const child = spawn('ssh', args, { env: { ...env } as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString();
    });
    const connection = Duplex.from({ readable: child.stdout, writable: child.stdin });
    const fail = (error: Error): void => void connection.destroy(error);
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT'
          ? buildError('engine.config', `${host}: no ssh command on this machine (the ssh client is needed for ssh:// addresses).`, error)
          : error,
      ),
    );
    child.on('exit', (code) => {
      if (code !== 0 && code !== null)
        fail(
          Object.assign(new Error(`ssh exited with ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`), {
            code: 'ECONNREFUSED',
            syscall: 'connect',
          }),
        );
    });
    // The connection ends the ssh process with it.
    connection.on('close', () => void child.kill());
    // An idle kept-alive connection must not keep the process alive (the agent unrefs it while free).
    const handles = [child, child.stdout, child.stdin, child.stderr] as unknown as { ref(): void; unref(): void }[];
    Object.assign(connection, {
      setKeepAlive: () => connection,
      setNoDelay: () => connection,
      setTimeout: () => connection,
      unref: () => (handles.forEach((h) => h.unref()), connection),
      ref: () => (handles.forEach((h) => h.ref()), connection),
    });
    return connection;
  };
  return agent;
}
