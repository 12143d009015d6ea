import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach } from "vitest";

beforeEach(() => {
  // Every test starts at Home; replaceState does not fire hashchange.
  window.history.replaceState(null, "", "#/");
});

afterEach(() => {
  clearMocks();
});
