import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      setupFiles: ['./src/test/setup.ts'],
      include: ['src/**/*.test.{ts,tsx}'],
      // 2-core machines: keep the worker count small so jsdom startup doesn't thrash.
      maxWorkers: 2,
      // The cores are shared with Rust builds: a many-step screen test can pass 5 s under load.
      testTimeout: 20_000,
    },
  }),
);
