import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Tauri loads the bundle from its own asset protocol, so every URL must be relative
// (`base: './'`) and the dev server must sit on the fixed port that tauri.conf.json's
// devUrl points at (strictPort: fail loudly instead of silently moving to another port).
export default defineConfig({
  plugins: [react()],
  base: './',
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: {
      // The Rust side lives next to ui/; rebuilding it must not trigger UI reloads.
      ignored: ['**/src-tauri/**', '**/target/**'],
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebView2 / WKWebView / WebKitGTK of supported OS versions all handle ES2022.
    target: 'es2022',
    sourcemap: false,
    // The bundle is read from disk by the webview, never downloaded, so one ~700 kB chunk
    // (mostly recharts) costs nothing worth code-splitting for.
    chunkSizeWarningLimit: 1024,
  },
});
