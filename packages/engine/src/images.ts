import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { check, imageInfo, imageTags, printWithSteps, tagProblem, type Image } from 'dockwright';
import type { BuildSpec } from './build.js';
import { buildError } from './errors.js';
import { declaredServices } from './secrets.js';
import { forImage, parseCacheSpec, parseOutputSpec, refuseSharedPlaces, type CacheSpec } from './specs.js';
import type { BuildSecret, SshAgent } from './session.js';

/** An image to build, with everything the engine needs and the names of the images it needs first. */
export interface BuildTarget extends BuildSpec {
  readonly image: Image;
  readonly dependsOn: readonly string[];
}

export interface NamedImage {
  readonly name: string;
  readonly image: Image;
}

/** Flags of a run (the docker CLI's spelling in the CLI). */
export interface BuildFlags {
  /** Extra tags; only with a single requested image. */
  readonly tags?: readonly string[] | undefined;
  readonly buildArgs?: Readonly<Record<string, string>> | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** Applies to the requested images only, as `docker build --target` to the one it builds. */
  readonly target?: string | undefined;
  /** Applies to the requested images only. */
  readonly platform?: string | undefined;
  readonly network?: string | undefined;
  /** Caches in buildx's syntax (`type=registry,ref=reg/cache:{name}`, a bare reference, `type=inline`), for every image, besides those declared. */
  readonly cacheFrom?: readonly string[] | undefined;
  readonly cacheTo?: readonly string[] | undefined;
  /** Outputs in buildx's syntax (`type=local,dest=out/{name}`, `type=tar,dest=…`); BuildKit only. */
  readonly outputs?: readonly string[] | undefined;
  /** No layer cache: every image is built again, even one that is up to date. */
  readonly noCache?: boolean | undefined;
  readonly pull?: boolean | undefined;
  /** Secrets for `RUN --mount=type=secret` (BuildKit), for every image of the run, besides those declared. */
  readonly secrets?: readonly BuildSecret[] | undefined;
  /** SSH agents for `RUN --mount=type=ssh` (BuildKit), besides those declared. */
  readonly ssh?: readonly SshAgent[] | undefined;
}

export interface PlanOptions {
  /** Relative context folders, Dockerfile paths and declared secret files are taken from here (the definitions file's folder). */
  readonly baseDir: string;
  /** For declared secrets read from variables, and SSH_AUTH_SOCK. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `--output` and `--cache-*` folders are taken from here (where the command runs); default the process's. */
  readonly cwd?: string | undefined;
  /** The images asked for by name (the others are built because these need them); default: all. */
  readonly requested?: readonly string[] | undefined;
}

/**
 * The images asked for plus every separately built image they start from or copy from,
 * transitively, dependencies first. `known` names the images the caller knows about; one that
 * is not among them is named by its `$meta` name or reference.
 */
export function withDependencies(selected: readonly NamedImage[], known: readonly NamedImage[] = selected): NamedImage[] {
  const result: NamedImage[] = [];
  const seen = new Set<Image>();
  const add = (entry: NamedImage): void => {
    if (seen.has(entry.image)) return;
    seen.add(entry.image);
    for (const dep of imageInfo(entry.image).dependencies) {
      add(known.find((k) => k.image === dep) ?? { name: dep.meta.name ?? imageInfo(dep).reference ?? 'dependency', image: dep });
    }
    result.push(entry);
  };
  selected.forEach(add);
  return result;
}

/**
 * Turns images into build targets: context folders resolved against the definitions file's
 * folder, tags (declared, else the name; `-t` adds to a single requested image), build arguments
 * (declared, then flags), the secrets and agents declared and given, and the dependencies
 * between the images of the run. `--target` and `--platform` apply to the requested images, not
 * to the images they build on. Refuses before anything builds: a tag Docker would refuse, a
 * `--target` stage an image lacks.
 */
export function planTargets(images: readonly NamedImage[], flags: BuildFlags, options: PlanOptions): BuildTarget[] {
  const requested = new Set(options.requested && options.requested.length > 0 ? options.requested : images.map((i) => i.name));
  const extraTags = flags.tags ?? [];
  if (extraTags.length > 0 && requested.size !== 1) {
    throw buildError(
      'cli.usage',
      `-t/--tag names one image's tags, but ${requested.size} images are asked for: declare tags with $meta({ tags }) or build one image.`,
    );
  }
  for (const tag of extraTags) {
    const problem = tagProblem(tag);
    if (problem) throw buildError('cli.usage', `-t ${tag} is not a valid tag: ${problem}.`);
  }
  const nameOf = new Map(images.map(({ name, image }) => [image, name]));
  const cacheFrom = (flags.cacheFrom ?? []).map((c) => parseCacheSpec(c, '--cache-from'));
  const cacheTo = (flags.cacheTo ?? []).map((c) => parseCacheSpec(c, '--cache-to'));
  const outputs = (flags.outputs ?? []).map(parseOutputSpec);
  const cwd = options.cwd ?? process.cwd();
  const targets = images.map(({ name, image }): BuildTarget => {
    const meta = image.meta;
    const ir = image.toIR();
    const { text, steps } = printWithSteps(ir);
    const asked = requested.has(name);
    const dependsOn = imageInfo(image).dependencies.flatMap((dep) => nameOf.get(dep) ?? []);
    const tags = [...new Set([...imageTags(image, name), ...(asked ? extraTags : [])])];
    for (const tag of tags) {
      const problem = tagProblem(tag);
      const loc = imageInfo(image).loc;
      if (problem)
        throw buildError(
          'cli.usage',
          `${loc ? `${loc.file}:${loc.line}:${loc.column}: ` : ''}the image ${name} would be tagged ${tag}, which is not a valid tag: ${problem}. Name it with $meta({ name }) or give it tags.`,
        );
    }
    const target = (asked ? flags.target : undefined) ?? meta.target;
    if (target !== undefined && !ir.stages.some((s) => s.from.name?.toLowerCase() === target.toLowerCase())) {
      const names = ir.stages.flatMap((s) => s.from.name ?? []);
      throw buildError(
        'cli.usage',
        `--target ${target}: the image ${name} has no stage named ${target} (${names.length > 0 ? `its stages: ${names.join(', ')}` : 'its stages have no names'}).`,
      );
    }
    const dockerfileIgnore = meta.dockerfile ? resolve(options.baseDir, `${meta.dockerfile}.dockerignore`) : undefined;
    const declared = declaredServices(meta, options.baseDir, options.env);
    return {
      name,
      image,
      ir,
      dependsOn,
      dockerfile: text,
      steps,
      context: resolve(options.baseDir, meta.context ?? '.'),
      dockerfileIgnore: dockerfileIgnore && existsSync(dockerfileIgnore) ? dockerfileIgnore : undefined,
      tags,
      buildArgs: { ...(meta.buildArgs ?? {}), ...(flags.buildArgs ?? {}) },
      labels: { ...(flags.labels ?? {}) },
      target,
      platform: (asked ? flags.platform : undefined) ?? meta.platform,
      network: flags.network,
      // Flags' folders are the command's; declared ones are the definitions file's.
      cacheFrom: [...cacheFrom.map((c) => forImage(c, name, cwd)), ...declaredCaches(image, 'cacheFrom').map((c) => forImage(c, name, options.baseDir))],
      cacheTo: [...cacheTo.map((c) => forImage(c, name, cwd)), ...declaredCaches(image, 'cacheTo').map((c) => forImage(c, name, options.baseDir))],
      outputs: outputs.map((o) => forImage(o, name, cwd)),
      noCache: flags.noCache ?? false,
      pull: flags.pull ?? false,
      secrets: [...(flags.secrets ?? []), ...declared.secrets],
      ssh: [...(flags.ssh ?? []), ...declared.ssh],
    };
  });
  refuseSharedPlaces('--cache-to', new Map(targets.map((t) => [t.name, t.cacheTo])));
  refuseSharedPlaces('--output', new Map(targets.map((t) => [t.name, t.outputs])));
  return targets;
}

/** The caches `$meta` declares, read at its line: a mistake there names the `.ts` line. */
function declaredCaches(image: Image, key: 'cacheFrom' | 'cacheTo'): CacheSpec[] {
  const written = image.meta[key] ?? [];
  return written.map((text) => {
    try {
      return parseCacheSpec(text, key === 'cacheFrom' ? '--cache-from' : '--cache-to');
    } catch (error) {
      const loc = imageInfo(image).loc;
      throw buildError('cli.usage', `${loc ? `${loc.file}:${loc.line}:${loc.column}: ` : ''}$meta({ ${key} }): ${(error as Error).message}`);
    }
  });
}

/**
 * Refuses images with errors, as `dockwright build` does before anything builds: one error that
 * lists every diagnostic, each at its line (`synth.invalid`).
 */
export function refuseInvalid(images: readonly NamedImage[]): void {
  const errors = images.flatMap(({ name, image }) =>
    check(image)
      .filter((d) => d.severity === 'error')
      .map((d) => ({ name, d })),
  );
  if (errors.length === 0) return;
  const lines = errors.map(({ name, d }) => `  ${d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.column} ` : ''}${name}: ${d.rule}: ${d.message}`);
  throw buildError('synth.invalid', `${errors.length} error${errors.length === 1 ? '' : 's'}: nothing was built:\n${lines.join('\n')}`);
}
