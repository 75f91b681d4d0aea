import { describe, expect, test } from 'vitest';
import { arg, env, expand, from, platformArgs, raw, synth } from 'dockwright';

/** The expected file: lines joined, with the trailing newline every printed file has. */
const lines = (...text: string[]): string => text.join('\n') + '\n';

describe('FROM', () => {
  test('an image reference', () => {
    expect(synth(from('alpine:3.20'))).toBe(lines('FROM alpine:3.20'));
  });

  test('a stage name and a platform argument', () => {
    const image = from('golang:1.23', { as: 'build', platform: platformArgs.BUILDPLATFORM });
    expect(synth(image)).toBe(lines('FROM --platform=${BUILDPLATFORM} golang:1.23 AS build'));
  });

  test('as() names the stage', () => {
    expect(synth(from('alpine').as('base'))).toBe(lines('FROM alpine AS base'));
  });

  test('an arg() in the image declares a global ARG with its default', () => {
    const version = arg('NODE_VERSION', '20');
    expect(synth(from(expand`node:${version}-alpine`))).toBe(lines('ARG NODE_VERSION=20', '', 'FROM node:${NODE_VERSION}-alpine'));
  });

  test('a stage value as base names it and emits it first', () => {
    const base = from('alpine').run('apk add curl');
    expect(synth(from(base).run('curl --version'))).toBe(lines('FROM alpine AS stage-0', 'RUN apk add curl', '', 'FROM stage-0', 'RUN curl --version'));
  });

  test('an image with metadata as base is referred to by its tag, not inlined', () => {
    const base = from('alpine')
      .run('apk add curl')
      .$meta({ name: 'base', tags: ['example.com/base:1'] });
    expect(synth(from(base).run('curl --version'))).toBe(lines('FROM example.com/base:1', 'RUN curl --version'));
  });
});

describe('RUN', () => {
  test('shell form goes to the shell untouched', () => {
    expect(synth(from('alpine').run('echo "$HOME" && ls \'a b\''))).toBe(lines('FROM alpine', `RUN echo "$HOME" && ls 'a b'`));
  });

  test('exec form is a JSON array', () => {
    expect(synth(from('alpine').run(['echo', 'a "b"', 'c\\d']))).toBe(lines('FROM alpine', 'RUN ["echo", "a \\"b\\"", "c\\\\d"]'));
  });

  test('a multi-line script is a heredoc that stops at the first failing line', () => {
    expect(synth(from('alpine').run('apk update\napk add curl'))).toBe(lines('FROM alpine', "RUN <<'EOF'", 'set -e', 'apk update', 'apk add curl', 'EOF'));
  });

  test('errexit: false leaves the script as written; a shebang stays first', () => {
    expect(synth(from('alpine').run('a\nb', { errexit: false }))).toBe(lines('FROM alpine', "RUN <<'EOF'", 'a', 'b', 'EOF'));
    expect(synth(from('alpine').run('#!/bin/bash\nb\n'))).toBe(lines('FROM alpine', "RUN <<'EOF'", '#!/bin/bash', 'set -e', 'b', 'EOF'));
  });

  test('a script line equal to EOF gets another delimiter', () => {
    expect(synth(from('alpine').run('cat <<EOF\nhi\nEOF', { errexit: false }))).toBe(lines('FROM alpine', "RUN <<'EOF1'", 'cat <<EOF', 'hi', 'EOF', 'EOF1'));
  });

  test('every mount type with its options, network and security', () => {
    const build = from('golang', { as: 'build' });
    const image = from('alpine').run('make', {
      mount: [
        { type: 'bind', target: '/src', source: 'src', from: build, readwrite: true },
        { type: 'cache', target: '/root/.cache', id: 'go', sharing: 'locked', mode: 0o755, uid: 1000, gid: 1000, readonly: true },
        { type: 'tmpfs', target: '/tmp', size: '64m' },
        { type: 'secret', id: 'npm', target: '/run/secrets/npm', env: 'NPM_TOKEN', required: true, mode: '0400' },
        { type: 'ssh', id: 'default', required: false },
      ],
      network: 'none',
      security: 'insecure',
    });
    expect(synth(image)).toBe(
      lines(
        'FROM golang AS build',
        '',
        'FROM alpine',
        'RUN --mount=type=bind,target=/src,source=src,from=build,rw' +
          ' --mount=type=cache,id=go,target=/root/.cache,sharing=locked,mode=0755,uid=1000,gid=1000,ro' +
          ' --mount=type=tmpfs,target=/tmp,size=64m' +
          ' --mount=type=secret,id=npm,target=/run/secrets/npm,env=NPM_TOKEN,mode=0400,required=true' +
          ' --mount=type=ssh,id=default,required=false' +
          ' --network=none --security=insecure make',
      ),
    );
  });
});

describe('CMD, ENTRYPOINT, HEALTHCHECK, SHELL, STOPSIGNAL', () => {
  test('exec form by default, shell form for a string', () => {
    expect(synth(from('alpine').entrypoint(['/init']).cmd(['redis-server', '--port', '6379']))).toBe(
      lines('FROM alpine', 'ENTRYPOINT ["/init"]', 'CMD ["redis-server", "--port", "6379"]'),
    );
    expect(synth(from('alpine').cmd('redis-server --port 6379'))).toBe(lines('FROM alpine', 'CMD redis-server --port 6379'));
  });

  test('HEALTHCHECK with every option, and NONE', () => {
    const image = from('alpine').healthcheck(['wget', '-q', 'localhost'], {
      interval: '30s',
      timeout: 5,
      startPeriod: '1m',
      startInterval: '2s',
      retries: 3,
    });
    expect(synth(image)).toBe(
      lines('FROM alpine', 'HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=3 CMD ["wget", "-q", "localhost"]'),
    );
    expect(synth(from('alpine').healthcheck(false))).toBe(lines('FROM alpine', 'HEALTHCHECK NONE'));
  });

  test('SHELL and STOPSIGNAL', () => {
    expect(synth(from('alpine').shell(['/bin/ash', '-eo', 'pipefail', '-c']).stopsignal('SIGQUIT').stopsignal(9))).toBe(
      lines('FROM alpine', 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', 'STOPSIGNAL SIGQUIT', 'STOPSIGNAL 9'),
    );
  });
});

describe('USER, WORKDIR, VOLUME, EXPOSE', () => {
  test('USER with and without a group', () => {
    const uid = arg('UID');
    expect(synth(from('alpine').user('app').user(1000, 1000).arg(uid).user(uid, 'staff'))).toBe(
      lines('FROM alpine', 'USER app', 'USER 1000:1000', 'ARG UID', 'USER ${UID}:staff'),
    );
  });

  test('WORKDIR with a space is quoted', () => {
    expect(synth(from('alpine').workdir('/srv/my app'))).toBe(lines('FROM alpine', 'WORKDIR "/srv/my app"'));
  });

  test('VOLUME is always the JSON form', () => {
    expect(synth(from('alpine').volume('/data', '/my logs'))).toBe(lines('FROM alpine', 'VOLUME ["/data", "/my logs"]'));
  });

  test('EXPOSE numbers, protocols, ranges and objects', () => {
    expect(synth(from('alpine').expose(80, '443/tcp', '8000-8010/udp', { port: 53, protocol: 'udp' }))).toBe(
      lines('FROM alpine', 'EXPOSE 80 443/tcp 8000-8010/udp 53/udp'),
    );
  });
});

describe('ENV, LABEL, ARG', () => {
  test('ENV values are literal: $ is escaped, quotes survive', () => {
    expect(synth(from('alpine').env('GREETING', 'costs $5').env('QUOTE', 'say "hi"'))).toBe(
      lines('FROM alpine', 'ENV GREETING="costs \\$5"', 'ENV QUOTE="say \\"hi\\""'),
    );
  });

  test('ENV from an object keeps its order; references and { expand: true } are expanded', () => {
    const image = from('alpine')
      .env({ B: '1', A: expand`/app/bin:${env('PATH')}` })
      .env('HOME_BIN', '$HOME/bin', { expand: true });
    expect(synth(image)).toBe(lines('FROM alpine', 'ENV B=1 \\', '    A=/app/bin:${PATH}', 'ENV HOME_BIN=$HOME/bin'));
  });

  test('LABEL objects print in key order; keys with spaces are quoted', () => {
    expect(synth(from('alpine').label({ 'z.last': 'z', 'a first': 'x y' }))).toBe(lines('FROM alpine', 'LABEL "a first"="x y" \\', '    z.last=z'));
  });

  test('ARG with and without a default; raw() text', () => {
    expect(synth(from('alpine').arg('A').arg('B', 'x y').arg(arg('C', '1')).workdir(raw('/home/$USER')))).toBe(
      lines('FROM alpine', 'ARG A', 'ARG B="x y"', 'ARG C=1', 'WORKDIR /home/$USER'),
    );
  });

  test('a stage ARG that repeats a global default inherits it', () => {
    const version = arg('V', '1');
    expect(synth(from(expand`alpine:${version}`).arg(version).env('V', expand`${version}`))).toBe(
      lines('ARG V=1', '', 'FROM alpine:${V}', 'ARG V', 'ENV V=${V}'),
    );
  });
});

describe('COPY and ADD', () => {
  test('COPY with every flag', () => {
    const image = from('alpine').copy(['a', 'b'], '/dst/', {
      chown: { user: 'app', group: 'app' },
      chmod: 0o755,
      link: true,
      parents: true,
      exclude: ['*.md', 'tmp'],
    });
    expect(synth(image)).toBe(lines('FROM alpine', 'COPY --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=tmp a b /dst/'));
  });

  test('a file mode means what was written: strings as given, numbers as mode values', () => {
    const modes = (chmod: string | number): string => synth(from('alpine').copy('a', '/a', { chmod })).split('\n')[1]!;
    expect(modes('755')).toBe('COPY --chmod=755 a /a');
    expect(modes('4755')).toBe('COPY --chmod=4755 a /a'); // setuid stays expressible
    expect(modes('u+x')).toBe('COPY --chmod=u+x a /a');
    expect(modes(0o755)).toBe('COPY --chmod=0755 a /a');
    expect(modes(0o4700)).toBe('COPY --chmod=4700 a /a');
    const mount = synth(from('alpine').run('true', { mount: { type: 'cache', target: '/c', mode: 0o700 } }));
    expect(mount).toContain('--mount=type=cache,target=/c,mode=0700 true');
  });

  test('a number that could be octal digits typed in decimal is refused at the call, saying how to write it', () => {
    const call = (chmod: number) => () => from('alpine').copy('a', '/a', { chmod });
    expect(call(755)).toThrow(/copy\(\) chmod: 755 is ambiguous: as a number it is the mode 0o1363.*Write the mode as a string: '755'/);
    expect(call(755)).toThrow(expect.objectContaining({ code: 'builder.invalidArgument' }));
    expect(call(0o644)).toThrow(/420 is ambiguous.*'644' for 0o644/); // 0o644 is 420: its digits read as octal too
    expect(call(4755)).toThrow(/4755 is not a file mode.*'4755'.*0o4755/);
    expect(call(1.5)).toThrow(/not a file mode/);
    expect(() => from('alpine').run('true', { mount: { type: 'secret', id: 's', mode: 400 } })).toThrow(/--mount=type=secret mode: 400 is ambiguous/);
    // Also when the instruction names a stage, and so is made only once the stage names are known.
    expect(() => from('alpine').copy({ from: from('golang'), src: '/a', dest: '/a', chmod: 755 })).toThrow(/copy\(\) chmod: 755 is ambiguous/);
  });

  test('COPY --from a stage value, an image, a named context', () => {
    const build = from('golang').run('go build -o /out/app');
    const image = from('alpine')
      .copy({ from: build, src: '/out/app', dest: '/usr/local/bin/' })
      .copy('/etc/ssl/certs', '/etc/ssl/certs', { from: 'alpine:3.20' })
      .copy('.', '/docs', { from: 'docs' });
    expect(synth(image)).toBe(
      lines(
        'FROM golang AS stage-0',
        'RUN go build -o /out/app',
        '',
        'FROM alpine',
        'COPY --from=stage-0 /out/app /usr/local/bin/',
        'COPY --from=alpine:3.20 /etc/ssl/certs /etc/ssl/certs',
        'COPY --from=docs . /docs',
      ),
    );
  });

  test('paths with spaces use the JSON form; quotes and $ are escaped for the lexer', () => {
    expect(synth(from('alpine').copy(["it's a file", 'cost$'], '/dst dir/'))).toBe(lines('FROM alpine', `COPY ["it\\\\'s a file", "cost\\\\$", "/dst dir/"]`));
  });

  test('inline content is a heredoc with a quoted delimiter', () => {
    expect(synth(from('alpine').copy({ content: 'port=$PORT\n', dest: '/etc/app.conf', chmod: '0644' }))).toBe(
      lines('FROM alpine', "COPY --chmod=0644 <<'EOF' /etc/app.conf", 'port=$PORT', 'EOF'),
    );
  });

  test('ADD with its own flags', () => {
    const image = from('alpine')
      .add('https://example.com/a.tar.gz', '/opt/', { checksum: 'sha256:' + 'a'.repeat(64), unpack: false })
      .add({ src: 'https://github.com/moby/buildkit.git#v0.14.0', dest: '/src', keepGitDir: true });
    expect(synth(image)).toBe(
      lines(
        'FROM alpine',
        `ADD --checksum=sha256:${'a'.repeat(64)} --unpack=false https://example.com/a.tar.gz /opt/`,
        'ADD --keep-git-dir https://github.com/moby/buildkit.git#v0.14.0 /src',
      ),
    );
  });
});

describe('ONBUILD, comments, MAINTAINER, directives', () => {
  test('ONBUILD wraps each instruction the callback adds', () => {
    expect(synth(from('node:20').onbuild((s) => s.copy('.', '/app/').run('npm ci')))).toBe(lines('FROM node:20', 'ONBUILD COPY . /app/', 'ONBUILD RUN npm ci'));
  });

  test('comments span lines; MAINTAINER is printed (and warned about)', () => {
    expect(synth(from('alpine').comment('two\nlines').maintainer('Jane <jane@example.com>'))).toBe(
      lines('FROM alpine', '# two', '# lines', 'MAINTAINER Jane <jane@example.com>'),
    );
  });

  test('directives come first, and escape changes how values are escaped', () => {
    const image = from('mcr.microsoft.com/windows/servercore:ltsc2022')
      .workdir('C:\\app dir')
      .env('PRICE', '$5')
      .$dockerfile({ syntax: 'docker/dockerfile:1', escape: '`', check: { skip: ['JSONArgsRecommended'], error: true } });
    expect(synth(image)).toBe(
      lines(
        '# syntax=docker/dockerfile:1',
        '# escape=`',
        '# check=skip=JSONArgsRecommended;error=true',
        '',
        'FROM mcr.microsoft.com/windows/servercore:ltsc2022',
        'WORKDIR "C:\\app dir"',
        'ENV PRICE="`$5"',
      ),
    );
  });

  test('no syntax line is ever added by itself', () => {
    expect(synth(from('alpine').run('true'))).not.toContain('syntax');
  });
});

describe('stages', () => {
  test('stages the image does not need are not emitted', () => {
    const unused = from('golang', { as: 'unused' }).run('go test ./...');
    void unused;
    const build = from('golang', { as: 'build' }).run('go build');
    expect(synth(from('alpine').copy({ from: build, src: '/out', dest: '/out' }))).toBe(
      lines('FROM golang AS build', 'RUN go build', '', 'FROM alpine', 'COPY --from=build /out /out'),
    );
  });

  test('a stage used twice is emitted once, before its first user', () => {
    const deps = from('node:20', { as: 'deps' }).run('npm ci');
    const build = from(deps, { as: 'build' }).run('npm run build');
    const image = from('node:20-slim')
      .copy({ from: deps, src: '/node_modules', dest: '/app/node_modules' })
      .copy({ from: build, src: '/dist', dest: '/app/dist' });
    expect(synth(image)).toBe(
      lines(
        'FROM node:20 AS deps',
        'RUN npm ci',
        '',
        'FROM deps AS build',
        'RUN npm run build',
        '',
        'FROM node:20-slim',
        'COPY --from=deps /node_modules /app/node_modules',
        'COPY --from=build /dist /app/dist',
      ),
    );
  });

  test('metadata is not printed', () => {
    const image = from('alpine').$meta({ name: 'app', tags: ['app:1'], context: '.', dockerfile: 'Dockerfile', buildArgs: { A: '1' } });
    expect(synth(image)).toBe(lines('FROM alpine'));
  });
});
