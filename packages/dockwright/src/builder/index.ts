import { StageImpl } from './impl.js';
import type { SourceLocation } from '../ir/location.js';
import type { ImageMeta } from './options.js';
import type { Image } from './stage.js';
import { imageDependencies, imageReference } from './to-ir.js';

export { from } from './from.js';
export { arg, env, expand, raw, platformArgs } from './refs.js';
export { configureCallSites } from './call-sites.js';
export type { CallSiteOptions } from './call-sites.js';
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
  /** Where `$meta()` was called, else where the image's `from()` was: where to report its name and tags. */
  readonly loc: SourceLocation | undefined;
}

/** Metadata and build dependencies of an image defined with the builder. */
export function imageInfo(image: Image): ImageInfo {
  if (!(image instanceof StageImpl)) throw new TypeError('imageInfo() takes a stage made with from()');
  return Object.freeze({
    meta: image.meta,
    reference: imageReference(image),
    dependencies: Object.freeze(imageDependencies(image)),
    loc: image.metaLoc ?? image.fromLoc,
  });
}

/**
 * The tags a build gives an image: its `$meta({ tags })`, else its name as `name:latest` (or the
 * name as written when it has a tag already, `app:1`). `name` is the image's name where
 * `$meta({ name })` is absent (the CLI derives one from the export).
 */
export function imageTags(image: Image, name: string): readonly string[] {
  const tags = image.meta.tags;
  if (tags !== undefined && tags.length > 0) return tags;
  const own = image.meta.name ?? name;
  return [/:[^/]*$/.test(own) ? own : `${own}:latest`];
}

/** True for values made with `from()`: lets loaders find the images among a module's exports. */
export function isImage(value: unknown): value is Image {
  return value instanceof StageImpl;
}

/** An image found among a module's exports, with the export path it was found at. */
export interface ExportedImage {
  /** `app`, `default`, `python[1]`, `services.api`. */
  readonly exportName: string;
  readonly image: Image;
}

/**
 * The images a definitions module exports: each export may be an image, or an array or record
 * of images. Other exports are ignored; module order is kept.
 */
export function collectImages(exports: Readonly<Record<string, unknown>>): ExportedImage[] {
  const found: ExportedImage[] = [];
  for (const [name, value] of Object.entries(exports)) {
    if (isImage(value)) found.push({ exportName: name, image: value });
    else if (Array.isArray(value)) {
      value.forEach((item, i) => isImage(item) && found.push({ exportName: `${name}[${i}]`, image: item }));
    } else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, item] of Object.entries(value)) {
        if (isImage(item)) found.push({ exportName: `${name}.${key}`, image: item });
      }
    }
  }
  return found;
}
