import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { AppError, Progress, SyncFinished } from "../src/lib/api/bindings";
import { called, counts, emitEvent, estimate, failWith, mockBackend, syncOverview, syncSettings } from "./backend";

async function openSync() {
  window.history.replaceState(null, "", "#/settings/sync");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "Data sync" });
  return user;
}

async function openPreview(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Sync" }));
  return screen.findByRole("table", { name: "Fields to sync" });
}

function progress(values: Partial<Progress> = {}): Progress {
  return {
    run_id: "sync-3",
    full: true,
    state: "running",
    phase: "salesforce_contacts",
    fraction: 0.5,
    counts: counts({ fetched: 1200, created: 900, updated: 12, errors: 1 }),
    message: null,
    ...values,
  };
}

describe("Field preview", () => {
  test("Sync opens the preview: each system's field, the note, rules; email is required and cannot be deselected", async () => {
    mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    expect(screen.getByRole("heading", { level: 2, name: "Field preview" })).toHaveFocus();
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(5);
    expect(rows[1]).toHaveTextContent("Email");
    expect(rows[1]).toHaveTextContent("Required (match key)");
    const email = within(table).getByRole("checkbox", { name: "Sync Email" });
    expect(email).toBeChecked();
    expect(email).toBeDisabled();
    expect(within(table).queryByRole("combobox", { name: "When they differ: Email" })).not.toBeInTheDocument();

    expect(rows[2]).toHaveTextContent("firstName");
    expect(rows[2]).toHaveTextContent("FirstName");
    expect(within(table).getByRole("combobox", { name: "When they differ: First name" })).toHaveValue("salesforce_wins");
    expect(within(table).getByRole("combobox", { name: "When they differ: Unsubscribed" })).toHaveValue("marketo_wins");
    expect(rows[4]).toHaveTextContent("Not available");
    expect(rows[4]).toHaveTextContent("Marketo has no lead owner field");
    expect(screen.getByText(/Showing the default mapping/)).toBeInTheDocument();
  });

  test("Save mapping sends every optional field's choice", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    await user.selectOptions(within(table).getByRole("combobox", { name: "When they differ: First name" }), "Most recent change wins");
    await user.click(within(table).getByRole("checkbox", { name: "Sync Lead owner" }));
    await user.click(screen.getByRole("button", { name: "Save mapping" }));

    expect(await screen.findByText("Mapping saved")).toHaveAttribute("role", "status");
    expect(called(calls, "sync_save_mapping").map((call) => call.args)).toEqual([
      {
        choices: [
          { field: "first_name", selected: true, rule: "most_recent" },
          { field: "unsubscribed", selected: true, rule: "marketo_wins" },
          { field: "lead_owner", selected: false, rule: "salesforce_wins" },
        ],
      },
    ]);
  });

  test("a preview that fails shows the backend's message with Try again", async () => {
    const refusal: AppError = { code: "conflict", message: "Marketo is not connected, so there is nothing to sync.", details: null };
    mockBackend({ sync_preview: failWith(refusal) });
    const user = await openSync();
    await user.click(await screen.findByRole("button", { name: "Sync" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Marketo is not connected, so there is nothing to sync.");
  });
});

describe("Quota estimate and Start sync", () => {
  test("the estimate shows each system against what is left and the ceiling; Full sync asks again", async () => {
    const calls = mockBackend();
    const user = await openSync();
    await openPreview(user);

    const table = await screen.findByRole("table", { name: "API calls this sync needs, per system" });
    const marketo = within(table).getByRole("row", { name: /Marketo/ });
    expect(marketo).toHaveTextContent("12");
    expect(marketo).toHaveTextContent((48000).toLocaleString() + " of " + (50000).toLocaleString());
    expect(marketo).toHaveTextContent((25000).toLocaleString());
    expect(within(table).getByRole("row", { name: /Salesforce/ })).toHaveTextContent((14500).toLocaleString());
    expect(screen.getByText("This will be an incremental sync.")).toBeInTheDocument();

    await user.click(screen.getByRole("checkbox", { name: /Full sync/ }));
    expect(await screen.findByText("This will be a full sync.")).toBeInTheDocument();
    expect(called(calls, "sync_estimate").map((call) => call.args)).toEqual([{ full: false }, { full: true }]);
  });

  test("a blocked estimate disables Start sync and says why", async () => {
    const reason = "It needs 30,000 Marketo calls but the ceiling allows 25,000 today.";
    mockBackend({ sync_estimate: () => estimate(true, reason) });
    const user = await openSync();
    await openPreview(user);
    const start = screen.getByRole("button", { name: "Start sync" });
    await waitFor(() => expect(start).toBeDisabled());
    expect(start).toHaveAccessibleDescription(`The sync cannot start: ${reason}`);
  });

  test("Start sync saves edits first, then follows progress events to the end and reloads the history", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);
    await user.click(within(table).getByRole("checkbox", { name: "Sync Unsubscribed" }));
    await user.click(screen.getByRole("checkbox", { name: /Full sync/ }));
    await user.click(screen.getByRole("button", { name: "Start sync" }));

    await waitFor(() => expect(called(calls, "sync_start").map((call) => call.args)).toEqual([{ full: true }]));
    const order = calls.map((call) => call.cmd).filter((cmd) => cmd === "sync_save_mapping" || cmd === "sync_start");
    expect(order).toEqual(["sync_save_mapping", "sync_start"]);
    expect(screen.getByRole("heading", { name: "Sync in progress" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Start sync" })).toBeDisabled();

    await emitEvent("sync-progress", progress());
    const bar = await screen.findByRole("progressbar", { name: "Sync progress" });
    await waitFor(() => expect(bar).toHaveAttribute("value", "50"));
    expect(bar).toHaveAttribute("aria-valuetext", "50% · Loading Salesforce contacts");
    expect(screen.getByTestId("sync-counts")).toHaveTextContent("Fetched 1200 · created 900 · updated 12");

    await emitEvent("sync-progress", progress({ state: "paused", message: "Marketo's daily quota is used up; the sync resumes after midnight US Central time." }));
    expect(await screen.findByText(/resumes after midnight/)).toHaveAttribute("role", "status");

    const historyCalls = called(calls, "sync_history").length;
    const finished: SyncFinished = {
      report: { run_id: "sync-3", state: "succeeded", full: true, counts: counts({ created: 1800, updated: 20, deleted: 4, errors: 1 }), resumed: false },
      error: null,
      scheduled: false,
    };
    await emitEvent("sync-finished", finished);
    expect(await screen.findByText("Sync Succeeded: 1800 created, 20 updated, 4 deleted, 1 errors.")).toHaveAttribute("role", "status");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    await waitFor(() => expect(called(calls, "sync_history").length).toBeGreaterThan(historyCalls));
    expect(screen.getByRole("button", { name: "Start sync" })).toBeEnabled();
  });

  test("Cancel asks the backend to stop the run", async () => {
    const calls = mockBackend({ sync_status: () => ({ ...syncOverview, running: true, current: progress() }) });
    const user = await openSync();
    const bar = await screen.findByRole("progressbar", { name: "Sync progress" });
    expect(bar).toHaveAttribute("value", "50");
    await user.click(screen.getByRole("button", { name: "Cancel sync" }));
    expect(await screen.findByText("Cancelling at the next checkpoint…")).toBeInTheDocument();
    expect(called(calls, "sync_cancel")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Cancel sync" })).toBeDisabled();
  });

  test("a refused start and a failed run show Rust's messages", async () => {
    const busy: AppError = { code: "conflict", message: "A sync is already running. Wait for it to finish or cancel it.", details: null };
    mockBackend({ sync_start: failWith(busy) });
    const user = await openSync();
    await openPreview(user);
    await user.click(screen.getByRole("button", { name: "Start sync" }));
    expect(await screen.findByText("A sync is already running. Wait for it to finish or cancel it.")).toBeInTheDocument();

    const failed: SyncFinished = {
      report: null,
      error: { code: "unauthorized", message: "The sync cannot start: Salesforce refused the token. Reconnect it in Settings.", details: null },
      scheduled: true,
    };
    await emitEvent("sync-finished", failed);
    expect(await screen.findByText(/Salesforce refused the token/)).toBeInTheDocument();
  });
});

describe("Run history", () => {
  test("each run shows its kind, state, counts and error; the errors button lists that run's record errors", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await screen.findByRole("table", { name: "Data sync runs" });
    const rows = within(table).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("Incremental");
    expect(rows[1]).toHaveTextContent("Failed");
    expect(rows[1]).toHaveTextContent("Marketo rejected the client secret (error 601).");
    expect(rows[2]).toHaveTextContent("Full");
    expect(rows[2]).toHaveTextContent("2400");
    expect(rows[2]).toHaveTextContent("55");

    await user.click(within(rows[2]!).getByRole("button", { name: /Errors of the run started/ }));
    const errors = await screen.findByRole("table", { name: "Record errors" });
    expect(errors).toHaveTextContent("The lead has no email address, so it cannot be matched.");
    expect(errors).toHaveTextContent("003000000000042AAA");
    expect(called(calls, "sync_run_errors").map((call) => call.args)).toEqual([{ run_id: "sync-1", limit: 500 }]);
    expect(screen.getByRole("heading", { name: /Record errors of the run started/ })).toHaveFocus();

    await user.click(screen.getByRole("button", { name: "Close errors" }));
    expect(screen.queryByRole("table", { name: "Record errors" })).not.toBeInTheDocument();
    expect(within(rows[2]!).getByRole("button", { name: /Errors of the run started/ })).toHaveFocus();
  });
});

describe("Sync settings", () => {
  test("saving sends the values; Rust's validation message is shown as is", async () => {
    const refusal: AppError = {
      code: "invalid_input",
      message: "The schedule must be between 5 and 1,440 minutes, or 0 to turn it off.",
      details: null,
    };
    let answer: ((args: Record<string, unknown>) => unknown) | null = failWith(refusal);
    const calls = mockBackend({ sync_settings_save: (args) => (answer ? answer(args) : args.settings) });
    const user = await openSync();

    const schedule = await screen.findByRole("spinbutton", { name: "Minutes between scheduled syncs" });
    expect(schedule).toHaveValue(15);
    await user.clear(schedule);
    await user.type(schedule, "2");
    await user.click(screen.getByRole("button", { name: "Save sync settings" }));
    expect(await screen.findByText("The schedule must be between 5 and 1,440 minutes, or 0 to turn it off.")).toBeInTheDocument();

    answer = null;
    await user.clear(schedule);
    await user.type(schedule, "30");
    await user.click(screen.getByRole("checkbox", { name: /Log Marketo email activities/ }));
    const from = screen.getByRole("textbox", { name: "Marketo history from (YYYY-MM-DD)" });
    await user.clear(from);
    await user.type(from, "2024-01-01");
    await user.click(screen.getByRole("button", { name: "Save sync settings" }));
    expect(await screen.findByText("Sync settings saved")).toHaveAttribute("role", "status");
    expect(called(calls, "sync_settings_save").map((call) => call.args)).toEqual([
      { settings: { ...syncSettings, schedule_minutes: 2 } },
      { settings: { ...syncSettings, schedule_minutes: 30, log_activities: false, marketo_history_from: "2024-01-01" } },
    ]);
  });

  test("an empty number is refused before anything is sent", async () => {
    const calls = mockBackend();
    const user = await openSync();
    await user.clear(await screen.findByRole("spinbutton", { name: "Marketo daily API quota" }));
    await user.click(screen.getByRole("button", { name: "Save sync settings" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Marketo daily API quota: enter a whole number.");
    expect(called(calls, "sync_settings_save")).toHaveLength(0);
  });
});

describe("Status", () => {
  test("without both connections the page says what to connect", async () => {
    mockBackend({ sync_status: () => ({ ...syncOverview, status: { ...syncOverview.status, connected: false, people: 0, last_run: null } }) });
    await openSync();
    expect(await screen.findByText("Connect Salesforce and Marketo before syncing.")).toBeInTheDocument();
    expect(screen.getByText(/0 people in the cache/)).toBeInTheDocument();
  });
});
