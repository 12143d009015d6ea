import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import { appInfo, called, failWith, mockBackend } from "./backend";

describe("Startup and errors", () => {
  test("a startup_error shows the full-window error screen and nothing else", async () => {
    const calls = mockBackend({
      app_info: () => ({
        ...appInfo,
        startup_error: {
          code: "store_too_new",
          message: "This workspace was written by a newer Liaison (schema 9). Update Liaison to open it.",
          details: { schema: 9 },
        },
      }),
    });
    render(App);

    expect(
      await screen.findByRole("heading", { level: 1, name: "Liaison can't open its workspace" }),
    ).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("written by a newer Liaison (schema 9)");
    expect(screen.getByText(appInfo.data_dir)).toBeInTheDocument();
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(screen.queryByRole("link")).not.toBeInTheDocument();
    expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
    // The preferences are asked for together with app_info; nothing else is.
    expect(calls.map((call) => call.cmd)).toEqual(["app_info", "get_preferences"]);
  });

  test("app_info itself failing also shows the error screen", async () => {
    mockBackend({
      app_info: failWith({
        code: "data_dir_unwritable",
        message: "Liaison cannot write to its data directory.",
        details: null,
      }),
    });
    render(App);
    expect(
      await screen.findByRole("heading", { level: 1, name: "Liaison can't open its workspace" }),
    ).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("Liaison cannot write to its data directory.");
  });

  test("app_info is the first command, before preferences and pages", async () => {
    const calls = mockBackend();
    render(App);
    await screen.findByRole("progressbar");
    expect(calls.map((call) => call.cmd).slice(0, 3)).toEqual(["app_info", "get_preferences", "setup_overview"]);
  });

  test("a command failure shows its message in an alert, and Try again re-runs it", async () => {
    let failures = 1;
    const calls = mockBackend({
      setup_overview: () => {
        if (failures-- > 0) {
          throw {
            code: "store_unavailable",
            message: "The workspace database is busy. Try again in a moment.",
            details: null,
          };
        }
        return { steps: [], done: 0, total: 7 };
      },
    });
    const user = userEvent.setup();
    render(App);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The workspace database is busy. Try again in a moment.");
    expect(alert).toHaveTextContent("store_unavailable");

    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("progressbar")).toHaveAttribute("aria-valuenow", "0");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(called(calls, "setup_overview")).toHaveLength(2);
  });

  test("a failure that is not an AppError is shown as an internal error", async () => {
    mockBackend({
      members_list: () => {
        throw "IPC channel closed";
      },
    });
    window.history.replaceState(null, "", "#/settings/users");
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("IPC channel closed");
    expect(alert).toHaveTextContent("internal");
  });

  test("General shows the version and directories from app_info", async () => {
    mockBackend();
    window.history.replaceState(null, "", "#/settings/general");
    render(App);
    expect(await screen.findByText(appInfo.data_dir)).toBeInTheDocument();
    expect(screen.getByText(appInfo.log_dir)).toBeInTheDocument();
    expect(screen.getByText(appInfo.version)).toBeInTheDocument();
    expect(screen.getByText(/theme follows your operating system/)).toBeInTheDocument();
  });
});
