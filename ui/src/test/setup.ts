import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeAll } from 'vitest';

/**
 * jsdom has no layout, so recharts' ResponsiveContainer would measure 0×0 and render no
 * chart. This stub reports a fixed desktop-ish size so charts (and their legends) render.
 */
class FixedSizeResizeObserver implements ResizeObserver {
  private readonly callback: ResizeObserverCallback;

  constructor(callback: ResizeObserverCallback) {
    this.callback = callback;
  }

  observe(target: Element): void {
    const rect = { x: 0, y: 0, top: 0, left: 0, width: 800, height: 300, right: 800, bottom: 300 };
    const entry = {
      target,
      contentRect: { ...rect, toJSON: () => rect },
      borderBoxSize: [{ inlineSize: 800, blockSize: 300 }],
      contentBoxSize: [{ inlineSize: 800, blockSize: 300 }],
      devicePixelContentBoxSize: [{ inlineSize: 800, blockSize: 300 }],
    } as unknown as ResizeObserverEntry;
    this.callback([entry], this);
  }

  unobserve(): void {}

  disconnect(): void {}
}

beforeAll(() => {
  globalThis.ResizeObserver = FixedSizeResizeObserver;
});

// The machines are two shared cores: a screen that renders charts may take more than the
// default second to appear while other builds run. Failing tests still fail, just later.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
  // The app keeps its screen in the address (`#/…`); each test starts at the start page.
  window.history.replaceState(null, '', '/');
});
