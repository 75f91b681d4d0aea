import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DockerfileNode, Image } from 'dockwright';
import type { BuildSpec } from './build.js';
import { buildError } from './errors.js';
import type { BuildSecret, SshAgent } from './session.js';

/** The parts of the SDK the engine side uses; the CLI passes the copy its definitions loaded. */
export interface SdkFunctions {
  imageInfo(image: Image): { readonly reference: string | undefined; readonly dependencies: readonly Image[] };
  printWithSteps(file: DockerfileNode): { readonly text: string; readonly steps: BuildSpec['steps'] };
  check(image: Image): readonly { readonly severity: string; readonly rule: string; readonly message: string }[];
}

/** An image to build, with everything the engine needs and the names of the images it needs first. */
export interface BuildTarget extends BuildSpec {
  readonly image: Image;
  readonly ir: DockerfileNode;
  readonly dependsOn: readonly string[];
}

export interface NamedImage {
  readonly name: string;
  readonly image: Image;
}

/** Flags that apply to every image of a run (the docker CLI's spelling in the CLI). */
export interface BuildFlags {
  /** Extra tags; only with a single image. */
  readonly tags?: readonly string[] | undefined;
  readonly buildArgs?: Readonly<Record<string, string>> | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly target?: string | undefined;
  readonly platform?: string | undefined;
  readonly network?: string | undefined;
  readonly cacheFrom?: readonly string[] | undefined;
  readonly noCache?: boolean | undefined;
  readonly pull?: boolean | undefined;
  /** Secrets for `RUN --mount=type=secret` (BuildKit), for every image of the run. */
  readonly secrets?: readonly BuildSecret[] | undefined;
  /** SSH agents for `RUN --mount=type=ssh` (BuildKit). */
  readonly ssh?: readonly SshAgent[] | undefined;
}

/**
 * Turns images into build targets: context folders resolved against `baseDir` (the definitions
 * file's folder), tags (declared, else the image name), build arguments (declared, then flags),
 * and dependencies between the images of the run.
 */
export function planTargets(images: readonly NamedImage[], sdk: SdkFunctions, baseDir: string, flags: BuildFlags = {}): BuildTarget[] {
  if (flags.tags && flags.tags.length > 0 && images.length !== 1) {
    throw buildError('cli.usage', `-t/--tag names one image's tags, but ${images.length} images are being built: declare tags with $meta({ tags }) or build one image.`);
  }
  const nameOf = new Map(images.map(({ name, image }) => [image, name]));
  return images.map(({ name, image }): BuildTarget => {
    const meta = image.meta;
    const ir = image.toIR();
    const { text, steps } = sdk.printWithSteps(ir);
    const dependsOn = sdk.imageInfo(image).dependencies.flatMap((dep) => nameOf.get(dep) ?? []);
    const tags = [...(meta.tags ?? [name.includes(':') ? name : `${name}:latest`]), ...(flags.tags ?? [])];
    const dockerfileIgnore = meta.dockerfile ? resolve(baseDir, `${meta.dockerfile}.dockerignore`) : undefined;
    return {
      name,
      image,
      ir,
      dependsOn,
      dockerfile: text,
      steps,
      context: resolve(baseDir, meta.context ?? '.'),
      dockerfileIgnore: dockerfileIgnore && existsSync(dockerfileIgnore) ? dockerfileIgnore : undefined,
      tags: [...new Set(tags)],
      buildArgs: { ...(meta.buildArgs ?? {}), ...(flags.buildArgs ?? {}) },
      labels: { ...(flags.labels ?? {}) },
      target: flags.target ?? meta.target,
      platform: flags.platform ?? meta.platform,
      network: flags.network,
      cacheFrom: flags.cacheFrom ?? [],
      noCache: flags.noCache ?? false,
      pull: flags.pull ?? false,
      secrets: flags.secrets,
      ssh: flags.ssh,
    };
  });
}
