import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeAll, beforeEach } from "vitest";

// The app loads Settings' code when it is first opened; here it is loaded before the tests, so
// that a test's first visit to Settings does not wait for Vite to compile every settings page.
beforeAll(async () => {
  await import("../src/pages/settings/SettingsPage.svelte");
});

beforeEach(() => {
  // Every test starts at Home; replaceState does not fire hashchange.
  window.history.replaceState(null, "", "#/");
});

afterEach(() => {
  clearMocks();
});
