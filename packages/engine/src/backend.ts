import type { BuildResult, Credentials } from './build.js';
import type { BuildTarget } from './images.js';
import type { BuildEvent } from './progress.js';
import type { BuildRecords } from './records.js';
import type { Outcome } from './schedule.js';

/**
 * The seam between planning a run and the daemon that builds it. A backend builds one image at a
 * time (the run schedules them), refuses up front what it cannot do, and says when it is gone.
 * Two implementations: the Docker Engine (`docker/`, its classic builder and its BuildKit through
 * `POST /build`) and BuildKit's own API (`buildkit/`: a buildkitd, or the engine's BuildKit
 * through `POST /grpc`).
 */
export interface Backend {
  readonly kind: 'docker' | 'buildkit' | 'fleet';
  /** Where it builds, for messages and the summary (`unix:///run/buildkit/buildkitd.sock`). */
  readonly address: string;
  /**
   * Refuses, before anything is built, what this backend cannot do for these targets (an
   * instruction its builder lacks, a cache type, an output, several platforms), saying which
   * image, what, and what to do instead.
   */
  check(targets: readonly BuildTarget[], request: RunRequest): void | Promise<void>;
  /** Builds one image (or finds it up to date), with its outputs; BuildKit pushes here too. */
  build(target: BuildTarget, job: BuildJob): Promise<ImageResult>;
  /**
   * Pushes a built image's tags, once every build of the run has ended: the Docker Engine's way.
   * Absent when the backend pushes as it builds (BuildKit's image exporter).
   */
  pushTags?(target: BuildTarget, result: ImageResult, job: PushJob): Promise<PushedTag[] | 'cancelled'>;
  /** Why nothing more can be built, when `error` says the daemon is gone; else undefined. */
  gone(error: unknown): string | undefined;
  /** True when `error` means the daemon went away in the middle of the build (a fleet then builds it elsewhere). */
  lost?(error: unknown): boolean;
  /** How many builds the run may have going at once, for `--parallel` per daemon (a fleet: per node). */
  concurrency?(parallel: number): number;
  /** Said before anything builds (a fleet's nodes that never answered). */
  readonly notices?: readonly string[];
  close(): void;
}

/** What a run asks of every image besides building it. */
export interface RunRequest {
  readonly push: boolean;
  /** Into the Docker Engine's images (BuildKit's docker exporter; the Docker Engine has them anyway). */
  readonly load: boolean;
}

export interface BuildJob extends RunRequest {
  /** Build even when up to date. */
  readonly force: boolean;
  readonly records: BuildRecords;
  readonly credentials: Credentials;
  /** The images of this run it builds on, as they were built (by name). */
  readonly dependencies: ReadonlyMap<string, ImageResult>;
  /** Whether images of this run build on it: through BuildKit it is then exchanged through a registry. */
  readonly neededByOthers: boolean;
  /** Push it by digest whatever others need: one platform of an index put together afterwards (a fleet). */
  readonly byDigest?: boolean | undefined;
  readonly signal: AbortSignal;
  readonly onEvent: (event: ImageEvent) => void;
}

export interface PushJob {
  readonly signal?: AbortSignal | undefined;
  readonly onEvent: (event: ImageEvent) => void;
}

/** Progress of one image: the builder's events plus the life cycle around them. */
export type ImageEvent =
  | BuildEvent
  | { readonly type: 'started'; readonly builder: string; readonly node?: string | undefined }
  | { readonly type: 'pushing'; readonly tag: string; readonly text: string }
  /** Something worth a line that is not a step: an export, an exchange through the registry. */
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'finished'; readonly outcome: Outcome<ImageResult> };

/** One tag's push: its digest in the registry, or why it failed. */
export interface PushedTag {
  readonly tag: string;
  readonly digest?: string | undefined;
  readonly error?: string | undefined;
}

/** What happened to one image. */
export interface ImageResult extends BuildResult {
  /** The builder that built it: `classic`, `buildkit` (the engine's, through /build), `buildkitd`. */
  readonly builder: string;
  /** Where: the engine's or the daemon's address. */
  readonly node: string;
  /** With --push: every tag, pushed or not. */
  readonly pushed: readonly PushedTag[];
  /** On a fleet: the nodes it left before it was built, and why (`tcp://b:1234 went down`). */
  readonly moved?: string | undefined;
}
