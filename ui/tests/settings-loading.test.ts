import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import App from "../src/App.svelte";
import { mockBackend } from "./backend";

// Settings' code is a chunk of its own, loaded when Settings is first opened.
describe("Settings loaded on demand", () => {
  afterEach(() => {
    vi.doUnmock("../src/pages/settings/SettingsPage.svelte");
  });

  test("a Settings chunk that cannot load says so in the admin's words and Try again loads it", async () => {
    vi.doMock("../src/pages/settings/SettingsPage.svelte", () => {
      throw new Error("the file is missing");
    });
    mockBackend();
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("progressbar");

    await user.click(screen.getByRole("button", { name: "Settings" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This page could not be loaded");
    expect(alert).toHaveTextContent("Try again; if it keeps failing, reinstall Liaison.");

    vi.doUnmock("../src/pages/settings/SettingsPage.svelte");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Salesforce" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
