import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (expectTypeOf / @ts-expect-error) are checked by `tsc --noEmit` in `npm test`
    // and also run here so their runtime halves execute.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores: a few forks keep Postgres and PGlite-heavy files from starving each other.
    pool: 'forks',
    maxWorkers: 3,
  },
});
