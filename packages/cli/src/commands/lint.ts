import { relative } from 'node:path';
import { DockwrightError, lint, rules, textRules, type Diagnostic } from 'dockwright';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { readDockerfile } from '../read-dockerfile.js';
import { count, formatDiagnostic, painter } from '../report.js';
import { Option, type DefineCommand } from '../command-kit.js';

export interface LintFlags {
  readonly format?: string;
}

/** `dockwright lint <Dockerfile...>`: the validator's rules on hand-written Dockerfiles. */
export async function lintCommand(files: readonly string[], flags: LintFlags, io: Io): Promise<ExitCode> {
  const format = flags.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new DockwrightError('cli.usage', `--format ${format} is not known: use text, json or sarif.`);
  const found: Diagnostic[] = [];
  for (const file of files) {
    const { path, text } = readDockerfile(file, io.cwd);
    found.push(...lint(text, relative(io.cwd, path)));
  }
  const errors = found.filter((d) => d.severity === 'error').length;
  if (format === 'json') io.stdout.write(JSON.stringify(found, null, 2) + '\n');
  else if (format === 'sarif') io.stdout.write(JSON.stringify(sarif(found), null, 2) + '\n');
  else {
    const paint = painter(useColor(io, io.stdout));
    for (const d of found) io.stdout.write(formatDiagnostic(d, io.cwd, paint, true) + '\n');
    io.stderr.write(`${count(files.length, 'file')}: ${count(errors, 'error')}, ${count(found.length - errors, 'warning')}\n`);
  }
  return errors > 0 ? ExitCode.Failed : ExitCode.Ok;
}

/** SARIF 2.1.0, the format code-scanning tools read. */
function sarif(found: readonly Diagnostic[]): unknown {
  const catalog = [...rules, ...textRules].map((r) => ({ id: r.name, shortDescription: { text: r.description }, helpUri: r.url }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'dockwright', informationUri: 'https://github.com/dockwright/dockwright', rules: catalog } },
        results: found.map((d) => ({
          ruleId: d.rule,
          level: d.severity === 'error' ? 'error' : 'warning',
          message: { text: d.message },
          locations: d.loc
            ? [{ physicalLocation: { artifactLocation: { uri: d.loc.file }, region: { startLine: d.loc.line, endLine: d.loc.endLine ?? d.loc.line } } }]
            : [],
        })),
      },
    ],
  };
}

/** Declares `dockwright lint`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  command
    .argument('<Dockerfile...>', 'files to check')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addHelpText(
      'after',
      `
Honours # check=skip=...;error=true directives. Exit 1 when any error is found.

Examples:
  $ dockwright lint Dockerfile
  $ dockwright lint services/*/Dockerfile --format sarif > dockwright.sarif`,
    )
    .action(async (files: string[], flags: LintFlags) => setExitCode(await lintCommand(files, flags, io)));
};
