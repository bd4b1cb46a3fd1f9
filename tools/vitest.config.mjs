import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/*.test.mjs'],
    // The pack test installs tarballs with npm and may build the native addon.
    testTimeout: 30_000,
  },
});
