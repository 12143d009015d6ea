import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

// The Tauri shell embeds ui/dist and serves it from its custom protocol under a
// strict CSP (`default-src 'self'`): relative asset paths, no inline scripts, no
// module-preload polyfill, CSS emitted as files.
export default defineConfig({
  base: "./",
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: ["safari15", "chrome105"],
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
    restoreMocks: true,
    // Whole-app tests render every page in jsdom: on a 2-core machine busy with a compiler one
    // takes seconds. The limit catches a hang, not slowness (speed is measured in benchmarks).
    testTimeout: 15_000,
    // The stylesheet is read as text by the theme test (Vitest empties CSS it does not process).
    css: { include: [/src\/app\.css/] },
  },
});
