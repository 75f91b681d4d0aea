import { PassThrough } from 'node:stream';
import { buildError } from '../errors.js';
import type { EngineConnection } from './engine.js';

/**
 * A docker archive streamed into the Docker Engine's images as it arrives (`POST /images/load`,
 * what `docker load` does): `--load` of a BuildKit build. The engine tags the image only once the
 * whole archive is in, so a build that fails midway loads nothing.
 */
export function engineLoad(connection: EngineConnection): { open(): PassThrough; commit(): Promise<void>; abort(): void } {
  let input: PassThrough | undefined;
  let loaded: Promise<void> | undefined;
  return {
    open() {
      input = new PassThrough();
      const archive = input;
      loaded = connection.docker.loadImage(archive, { quiet: true }).then(
        (response) =>
          new Promise<void>((resolve, reject) => {
            let text = '';
            (response as NodeJS.ReadableStream).on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
            (response as NodeJS.ReadableStream).on('end', () => {
              const failure = text.split('\n').flatMap((line) => {
                try {
                  const message = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
                  return message.errorDetail?.message ?? message.error ?? [];
                } catch {
                  return [];
                }
              })[0];
              if (failure) reject(buildError('build.stepFailed', `The engine at ${connection.endpoint.host} did not load the image: ${failure}`));
              else resolve();
            });
            (response as NodeJS.ReadableStream).on('error', reject);
          }),
        (error: Error) =>
          Promise.reject(buildError('build.stepFailed', `The engine at ${connection.endpoint.host} did not take the image (--load): ${error.message}`, error)),
      );
      void loaded.catch(() => undefined);
      return archive;
    },
    async commit() {
      if (!loaded) throw buildError('build.stepFailed', 'BuildKit sent no image to load.');
      await loaded;
    },
    abort() {
      input?.destroy();
    },
  };
}
