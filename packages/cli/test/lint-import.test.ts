import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, project, read, treeHash } from './helpers.js';

const HAND_WRITTEN = `FROM node:20 as build
run npm ci
ENV NODE_ENV production
CMD node server.js
WORKDIR app
EXPOSE 99999
`;

describe('dockwright lint', () => {
  test('text: compiler-style lines with the rule and its URL; exit 1 on errors', async () => {
    const result = await cli(['lint', 'Dockerfile'], project({ Dockerfile: HAND_WRITTEN }));
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n').filter((l) => /^Dockerfile:/.test(l));
    expect(lines).toEqual([
      "Dockerfile:1 warning FromAsCasing: 'as' and 'FROM' keywords' casing do not match.",
      "Dockerfile:2 warning ConsistentInstructionCasing: Command 'run' should match the case of the command majority (uppercase).",
      'Dockerfile:3 warning LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format.',
      'Dockerfile:4 warning JSONArgsRecommended: CMD in shell form runs under /bin/sh -c, which does not forward signals: use the JSON (exec) form, CMD ["executable", "arg"].',
      'Dockerfile:5 warning WorkdirRelativePath: Relative WORKDIR "app" depends on the base image\'s working directory: use an absolute path.',
      'Dockerfile:6 error InvalidPort: EXPOSE "99999": ports are 1 to 65535.',
    ]);
    expect(result.stdout).toContain('https://docs.docker.com/go/dockerfile/rule/from-as-casing/');
    expect(result.stderr).toBe('1 file: 1 error, 5 warnings\n');
  });

  test('a folder means the Dockerfile in it; control characters in a file print escaped', async () => {
    const dir = project({ 'api/Dockerfile': 'FROM alpine\n\x1b]0;owned\x07RUN true\n', 'empty/.keep': '' });
    const result = await cli(['lint', 'api'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('api/Dockerfile:2 error SyntaxError: unknown instruction: \\x1b]0;owned\\x07RUN');
    expect(result.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    const empty = await cli(['lint', 'empty'], dir);
    expect(empty).toMatchObject({ code: 2, stderr: 'dockwright: empty is a folder with no Dockerfile in it.\n' });
  });

  test('# check= directives are honoured; warnings alone exit 0', async () => {
    const dir = project({ Dockerfile: `# check=skip=JSONArgsRecommended\nFROM alpine\nCMD echo hi\n` });
    const result = await cli(['lint', 'Dockerfile'], dir);
    expect(result).toMatchObject({ code: 0, stdout: '' });
  });

  test('json and sarif', async () => {
    const dir = project({ Dockerfile: HAND_WRITTEN });
    const json = JSON.parse((await cli(['lint', 'Dockerfile', '--format', 'json'], dir)).stdout);
    expect(json[0]).toMatchObject({ rule: 'FromAsCasing', severity: 'warning', loc: { file: 'Dockerfile', line: 1 } });
    const sarif = JSON.parse((await cli(['lint', 'Dockerfile', '--format', 'sarif'], dir)).stdout);
    expect(sarif.version).toBe('2.1.0');
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'InvalidPort');
    expect(result).toMatchObject({
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'Dockerfile' }, region: { startLine: 6, endLine: 6 } } }],
    });
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('LegacyKeyValueFormat');
  });

  test('a file that does not parse is one SyntaxError at its line', async () => {
    const result = await cli(['lint', 'Dockerfile'], project({ Dockerfile: 'FROM alpine\nRUN <<EOF\necho\n' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Dockerfile:2 error SyntaxError: unterminated heredoc EOF');
  });
});

test('lint speaks Dockerfile: its advice names instructions, never the builder API', async () => {
  const dir = project({ Dockerfile: 'FROM --platform=linux/amd64 alpine\nARG GITHUB_TOKEN\nENV NPM_TOKEN=x\nCMD run\n' });
  const result = await cli(['lint', 'Dockerfile'], dir);
  const messages = result.stdout.split('\n').filter((l) => /^Dockerfile:\d+ /.test(l));
  expect(messages.length).toBeGreaterThanOrEqual(4);
  for (const message of messages) expect(message).not.toMatch(/\b(?:run|arg|from|copy|env|expand|raw)\(|platformArgs|\$meta|\$dockerfile/);
  expect(result.stdout).toContain('RUN --mount=type=secret,id=...');
  expect(result.stdout).toContain('use a build argument such as $BUILDPLATFORM');
});

describe('dockwright import', () => {
  const DOCKERFILE = [
    '# syntax=docker/dockerfile:1',
    '',
    'ARG GO_VERSION=1.23',
    '',
    'FROM golang:${GO_VERSION} AS build',
    'WORKDIR /src',
    '# cache modules between builds',
    'RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app ./cmd/app',
    '',
    'FROM alpine:3.20',
    'COPY --from=build /out/app /usr/local/bin/app',
    'RUN <<EOF',
    'apk add --no-cache ca-certificates',
    'adduser -D app',
    'EOF',
    'USER app',
    'ENTRYPOINT ["app"]',
    '',
  ].join('\n');

  test('writes idiomatic TypeScript: a constant per stage, references as values, comments and heredocs kept', async () => {
    const dir = project({ 'app/Dockerfile': DOCKERFILE });
    const result = await cli(['import', 'app/Dockerfile', '-o', 'images.ts'], dir);
    expect(result.code).toBe(0);
    const source = read(dir, 'images.ts');
    expect(source).toContain("import { arg, expand, from } from 'dockwright';");
    expect(source).toContain("const goVersion = arg('GO_VERSION', '1.23');");
    expect(source).toContain("const build = from(expand`golang:${goVersion}`, { as: 'build' })");
    expect(source).toContain(".comment('cache modules between builds')");
    expect(source).toContain(".run('go build -o /out/app ./cmd/app', { mount: { type: 'cache', target: '/go/pkg/mod' } })");
    expect(source).toContain("export const app = from('alpine:3.20')");
    expect(source).toContain(".copy('/out/app', '/usr/local/bin/app', { from: build })");
    expect(source).toContain('.run(`apk add --no-cache ca-certificates\nadduser -D app\n`, { errexit: false, expand: true })');
    expect(source).toContain(".$dockerfile({ syntax: 'docker/dockerfile:1', args: [goVersion], targets: [build] })");
    expect(source).not.toContain('before:'); // the blank lines are where the printer puts them anyway
    expect(source).toContain(".$meta({ dockerfile: 'app/Dockerfile', context: 'app' })");
  });

  test('synth --check right after an import: the file comes back line for line, but for the banner', async () => {
    const dir = project({ 'app/Dockerfile': DOCKERFILE });
    await cli(['import', 'app/Dockerfile'], dir);
    const check = await cli(['synth', '--check'], dir);
    expect(check.code).toBe(1);
    const changed = check.stdout.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toEqual(['+# Generated by dockwright from ../dockwright.ts. Do not edit: change ../dockwright.ts and run `dockwright synth`.']);
  });

  test('import --replace makes the move in one step: synth --check passes right after', async () => {
    const dir = project({ 'app/Dockerfile': DOCKERFILE });
    const result = await cli(['import', '--replace', 'app/Dockerfile'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('replaced  app/Dockerfile');
    const banner = '# Generated by dockwright from ../dockwright.ts. Do not edit: change ../dockwright.ts and run `dockwright synth`.';
    expect(read(dir, 'app/Dockerfile')).toBe(DOCKERFILE.replace('\n\nARG', `\n\n${banner}\nARG`));
    expect((await cli(['synth', '--check'], dir)).code).toBe(0);
  });

  test('import --replace writes nothing when a Dockerfile would not come back as the same build', async () => {
    // Docker's parser reads `ARG a b` as two ARGs, and so does dockwright: the same build. A file
    // the builder cannot hold is refused at its line before anything is compared.
    const dir = project({ Dockerfile: 'FROM alpine\nRUN cat <<EOF > /etc/motd\nhi\nEOF\n' });
    const before = treeHash(dir);
    const refused = await cli(['import', '--replace', 'Dockerfile'], dir);
    expect(refused.code).toBe(2);
    expect(treeHash(dir)).toBe(before);
  });

  test('several Dockerfiles become one definitions file', async () => {
    const dir = project({ 'api/Dockerfile': 'FROM alpine\nCMD ["api"]\n', 'worker.Dockerfile': 'FROM alpine\nCMD ["worker"]\n' });
    expect((await cli(['import', 'api/Dockerfile', 'worker.Dockerfile'], dir)).code).toBe(0);
    const ls = await cli(['ls', '--json'], dir);
    expect(JSON.parse(ls.stdout).map((i: { name: string; dockerfile: string }) => [i.name, i.dockerfile])).toEqual([
      ['api', 'api/Dockerfile'],
      ['worker', 'worker.Dockerfile'],
    ]);
  });

  test('what cannot be represented is an error naming the line; nothing is written', async () => {
    const dir = project({ Dockerfile: 'FROM alpine\nRUN cat <<EOF > /etc/motd\nhi\nEOF\n' });
    const result = await cli(['import', 'Dockerfile'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Dockerfile:2: this RUN heredoc shape');
    expect(existsSync(join(dir, 'dockwright.ts'))).toBe(false);
  });

  test('an existing output file is not overwritten without --force', async () => {
    const dir = project({ Dockerfile: 'FROM alpine\n', 'dockwright.ts': '// mine\n' });
    expect((await cli(['import', 'Dockerfile'], dir)).code).toBe(1);
    expect(read(dir, 'dockwright.ts')).toBe('// mine\n');
    expect((await cli(['import', 'Dockerfile', '--force'], dir)).code).toBe(0);
  });
});
