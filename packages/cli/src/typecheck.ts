import { relative } from 'node:path';
import { DiagnosticCategory, ModuleKind, ModuleResolutionKind, Project, ScriptTarget, ts } from 'ts-morph';
import { DockwrightError } from 'dockwright';

/**
 * Type-checks a definitions file and the local files it imports, with `dockwright` resolved to
 * the SDK's types. Throws `definitions.typeErrors` listing each error as `file:line:col`.
 */
export function typecheckDefinitions(file: string, sdkTypes: string, cwd: string): void {
  const project = new Project({
    compilerOptions: {
      strict: true,
      target: ScriptTarget.ES2022,
      module: ModuleKind.ESNext,
      moduleResolution: ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      allowJs: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { dockwright: [sdkTypes] },
    },
    skipAddingFilesFromTsConfig: true,
  });
  project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const errors = project.getPreEmitDiagnostics().filter((d) => d.getCategory() === DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const lines = errors.map((d) => {
    const source = d.getSourceFile();
    const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n');
    if (!source) return `error TS${d.getCode()}: ${message}`;
    const { line, column } = source.getLineAndColumnAtPos(d.getStart() ?? 0);
    return `${relative(cwd, source.getFilePath())}:${line}:${column} error TS${d.getCode()}: ${message}`;
  });
  throw new DockwrightError('definitions.typeErrors', `${errors.length} type error${errors.length === 1 ? '' : 's'} in the definitions:\n${lines.join('\n')}`);
}
