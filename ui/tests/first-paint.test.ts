import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import App from "../src/App.svelte";
import { called, mockBackend } from "./backend";

// The start-up benchmark measures from the launch to this report (xtask/src/startup.rs).
test("the first painted screen is reported once, after the setup steps are on the page", async () => {
  const calls = mockBackend();
  render(App);
  await screen.findByRole("list", { name: "Setup steps" });
  await waitFor(() => expect(called(calls, "app_painted")).toHaveLength(1));
  expect(calls.findIndex((c) => c.cmd === "app_painted")).toBeGreaterThan(
    calls.findIndex((c) => c.cmd === "setup_overview"),
  );

  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Settings" }));
  await screen.findByRole("heading", { level: 1, name: "Salesforce" });
  await user.click(screen.getByRole("button", { name: "Settings" }));
  await screen.findByRole("list", { name: "Setup steps" });
  expect(called(calls, "app_painted")).toHaveLength(1);
});
