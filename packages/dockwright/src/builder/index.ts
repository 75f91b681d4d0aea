import { StageImpl } from './impl.js';
import type { ImageMeta } from './options.js';
import type { Image } from './stage.js';
import { imageDependencies, imageReference } from './to-ir.js';

export { from } from './from.js';
export { arg, env, expand, raw, platformArgs } from './refs.js';
export type { ArgRef, EnvRef, TextInput } from './refs.js';
export type * from './options.js';
export type { Image, Slot, Stage, StageLike } from './stage.js';

/** What a build needs to know about an image beyond its Dockerfile. */
export interface ImageInfo {
  readonly meta: ImageMeta;
  /** The reference other Dockerfiles use for it (first tag, else name), if it is a separate image. */
  readonly reference: string | undefined;
  /** Separately built images it starts from or copies from: build them first. */
  readonly dependencies: readonly Image[];
}

/** Metadata and build dependencies of an image defined with the builder. */
export function imageInfo(image: Image): ImageInfo {
  if (!(image instanceof StageImpl)) throw new TypeError('imageInfo() takes a stage made with from()');
  return Object.freeze({
    meta: image.meta,
    reference: imageReference(image),
    dependencies: Object.freeze(imageDependencies(image)),
  });
}

/** True for values made with `from()`: lets loaders find the images among a module's exports. */
export function isImage(value: unknown): value is Image {
  return value instanceof StageImpl;
}
