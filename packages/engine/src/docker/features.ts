import type { AnyInstructionNode, DockerfileNode, SourceLocation } from 'dockwright';

export type Builder = 'classic' | 'buildkit';

/** An instruction that the chosen builder cannot run. */
export interface UnsupportedFeature {
  readonly instruction: string;
  readonly feature: string;
  readonly loc: SourceLocation | undefined;
  /** How to get it: a newer engine, another builder, a `# syntax=` line. */
  readonly wayOut: string;
}

/** The Dockerfile frontend BuildKit would use: a `# syntax=` line pulls one, else the engine's own. */
const SYNTAX_WAY_OUT = "add $dockerfile({ syntax: 'docker/dockerfile:1' }) to the image (BuildKit then pulls that frontend), or use Docker 23 or later";

/**
 * What a Dockerfile needs that the builder lacks, found before anything is uploaded. The classic
 * builder has no RUN flags, no COPY --chmod/--link/... and no heredocs. BuildKit runs the
 * Dockerfile frontend built into the engine unless a `# syntax=` line names another (dockwright
 * never adds one by itself: it would pull an image). The engine's own frontend grew with it:
 * Docker 20.10 reads RUN --mount and COPY --chmod; heredocs, COPY --link and RUN --network come
 * with Docker 23; ADD --keep-git-dir with 24, ADD --checksum with 25; RUN --security, ADD
 * --unpack and COPY --parents/--exclude are labs features that need a `# syntax=` line; and
 * HEALTHCHECK --start-interval needs Docker 25 whatever builds it. And the engine's BuildKit itself
 * (not the frontend) dropped the setuid, setgid and sticky bits of COPY --chmod before Docker 26.
 */
export function unsupportedFeatures(file: DockerfileNode, builder: Builder, engineVersion: string): UnsupportedFeature[] {
  const found: UnsupportedFeature[] = [];
  const engine = major(engineVersion);
  const syntax = file.directives.syntax !== undefined;
  const classic = builder === 'classic';
  const frontend = (since: number): boolean => builder === 'buildkit' && (syntax || engine >= since);
  const labs = builder === 'buildkit' && syntax;
  const visit = (node: AnyInstructionNode): void => {
    const add = (feature: string, wayOut: string): void => void found.push({ instruction: node.kind.toUpperCase(), feature, loc: node.loc, wayOut });
    const classicWayOut = 'build with BuildKit (--builder buildkit; the engine has it from Docker 18.09)';
    const frontendWayOut = classic ? classicWayOut : SYNTAX_WAY_OUT;
    const labsWayOut = classic ? classicWayOut : "add $dockerfile({ syntax: 'docker/dockerfile:1-labs' }) to the image (BuildKit then pulls that frontend)";
    if (node.kind === 'onbuild') return visit(node.trigger);
    if (node.kind === 'run') {
      if (classic && node.mounts.length > 0) add('RUN --mount', classicWayOut);
      if (node.mounts.some((m) => m.type === 'secret' && m.env !== undefined) && !frontend(26))
        add('RUN --mount=type=secret,env=', classic ? classicWayOut : "add $dockerfile({ syntax: 'docker/dockerfile:1' }), or use Docker 26 or later");
      if (node.network && !frontend(23)) add('RUN --network', frontendWayOut);
      if (node.security && !labs) add('RUN --security', labsWayOut);
      if (node.command.form === 'script' && !frontend(23)) add('a heredoc script (RUN <<EOF)', frontendWayOut);
    }
    if (node.kind === 'copy' || node.kind === 'add') {
      const name = node.kind.toUpperCase();
      if (classic && node.chmod !== undefined) add(`${name} --chmod`, classicWayOut);
      // The engine's BuildKit applies the mode itself (fsutil), and dropped these bits before 26.
      if (!classic && typeof node.chmod === 'string' && /^0?[1-7][0-7]{3}$/.test(node.chmod) && engine < 26) {
        add(
          `${name} --chmod=${node.chmod} (setuid, setgid or sticky), whose special bits BuildKit before Docker 26 drops`,
          `set them with a RUN chmod after the ${name}, or use Docker 26 or later`,
        );
      }
      if (node.link && !frontend(23)) add(`${name} --link`, frontendWayOut);
      if (node.inline !== undefined && !frontend(23)) add(`inline file content (${name} <<EOF)`, frontendWayOut);
      if ((node.parents || node.exclude.length > 0) && !labs) add(`${name} --parents/--exclude`, labsWayOut);
      if (node.kind === 'add') {
        if (node.keepGitDir && !frontend(24)) add('ADD --keep-git-dir', classic ? classicWayOut : SYNTAX_WAY_OUT.replace('23', '24'));
        if (node.checksum !== undefined && !frontend(25)) add('ADD --checksum', classic ? classicWayOut : SYNTAX_WAY_OUT.replace('23', '25'));
        if (node.unpack !== undefined && !labs) add('ADD --unpack', labsWayOut);
      }
    }
    if (node.kind === 'healthcheck' && node.startInterval !== undefined && engine < 25) {
      add('HEALTHCHECK --start-interval', 'use Docker 25 or later (older engines cannot store it in the image)');
    }
  };
  for (const stage of file.stages) {
    if (classic && stage.from.platform !== undefined && typeof stage.from.platform !== 'string') {
      found.push({ instruction: 'FROM', feature: 'FROM --platform with a variable', loc: stage.from.loc, wayOut: 'build with BuildKit (--builder buildkit)' });
    }
    stage.instructions.forEach(visit);
  }
  return found;
}

function major(version: string): number {
  return Number(version.split('.')[0]) || 0;
}
