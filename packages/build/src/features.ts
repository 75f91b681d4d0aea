import type { AnyInstructionNode, DockerfileNode, SourceLocation } from 'dockwright';

export type Builder = 'classic' | 'buildkit';

/** An instruction that the chosen builder cannot run. */
export interface UnsupportedFeature {
  readonly instruction: string;
  readonly feature: string;
  readonly loc: SourceLocation | undefined;
}

/**
 * What a Dockerfile needs that the builder lacks, found before anything is uploaded. The classic
 * builder has no RUN flags, no COPY --chmod/--link/... and no heredocs; BuildKit's built-in
 * Dockerfile frontend reads heredocs and COPY --parents/--exclude only from Docker 23 on (without
 * a `# syntax=` line, which dockwright never adds by itself: it would pull an image).
 */
export function unsupportedFeatures(file: DockerfileNode, builder: Builder, engineVersion: string): UnsupportedFeature[] {
  const found: UnsupportedFeature[] = [];
  const builtinHeredocs = builder === 'buildkit' && (file.directives.syntax !== undefined || major(engineVersion) >= 23);
  const visit = (node: AnyInstructionNode): void => {
    const add = (feature: string): void => void found.push({ instruction: node.kind.toUpperCase(), feature, loc: node.loc });
    if (node.kind === 'onbuild') return visit(node.trigger);
    if (node.kind === 'run') {
      if (builder === 'classic') {
        if (node.mounts.length > 0) add('RUN --mount');
        if (node.network) add('RUN --network');
        if (node.security) add('RUN --security');
      }
      if (node.command.form === 'script' && !builtinHeredocs) add('a heredoc script (RUN <<EOF)');
    }
    if (node.kind === 'copy' || node.kind === 'add') {
      if (builder === 'classic') {
        if (node.chmod !== undefined) add(`${node.kind.toUpperCase()} --chmod`);
        if (node.link) add(`${node.kind.toUpperCase()} --link`);
      }
      if (node.inline !== undefined && !builtinHeredocs) add('inline file content (COPY <<EOF)');
      if ((node.parents || node.exclude.length > 0) && !(builder === 'buildkit' && file.directives.syntax !== undefined)) {
        add(`${node.kind.toUpperCase()} --parents/--exclude (a labs feature: needs # syntax=docker/dockerfile:1-labs)`);
      }
      if (node.kind === 'add' && builder === 'classic' && (node.checksum !== undefined || node.keepGitDir || node.unpack !== undefined)) {
        add('ADD --checksum/--keep-git-dir/--unpack');
      }
    }
  };
  for (const stage of file.stages) {
    if (builder === 'classic' && stage.from.platform !== undefined) {
      found.push({ instruction: 'FROM', feature: 'FROM --platform with a variable', loc: stage.from.loc });
    }
    stage.instructions.forEach(visit);
  }
  return found;
}

function major(version: string): number {
  return Number(version.split('.')[0]) || 0;
}
