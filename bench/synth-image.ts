import type * as Dockwright from 'dockwright';

/**
 * The image the synthesis benchmarks make (synth.bench.ts timed, instructions.ts counted): 16
 * instructions, some values varying with `i`, as one chain of calls. Given the SDK's functions, so
 * that a benchmark can count another build of it.
 */
export function synthImage({ arg, from, synth }: Pick<typeof Dockwright, 'arg' | 'from' | 'synth'>): (i: number) => string {
  return (i) =>
    synth(
      from(`node:${20 + (i % 3)}-alpine`)
        .workdir('/app')
        .env('NODE_ENV', 'production')
        .env('APP_ID', `app-${i}`)
        .label('org.opencontainers.image.version', `1.0.${i}`)
        .arg(arg('BUILD_ID', String(i)))
        .copy(['package.json', 'package-lock.json'], './')
        .copy('.', '.')
        .run('npm ci --omit=dev')
        .run(`echo build ${i}`)
        .run('npm run build')
        .user('node')
        .expose(3000 + (i % 100))
        .volume('/data')
        .entrypoint(['node'])
        .cmd(['dist/server.js', `--id=${i}`]),
    );
}

/** The image's first call alone (`from()`, whose stack capture records the chain's call site): its share of an image. */
export function firstCall({ from }: Pick<typeof Dockwright, 'from'>): (i: number) => string {
  return (i) => from(`node:${20 + (i % 3)}-alpine`).stageName ?? '-';
}
