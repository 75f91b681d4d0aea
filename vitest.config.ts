import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run against the sources: the `source` export condition points at src/*.ts.
const conditions = ['source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    globalSetup: ['./test/support/global-setup.ts'],
    // Engine tests share two cores with each other (builds, 50-image load, a second engine):
    // a generous bound, so only a real hang fails on time.
    testTimeout: 120_000,
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
