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
    expect(rows).toHaveLength(7);
    expect(rows[1]).toHaveTextContent("Email");
    expect(rows[1]).toHaveTextContent("Required (match key)");
    const email = within(table).getByRole("checkbox", { name: "Sync Email" });
    expect(email).toBeChecked();
    expect(email).toBeDisabled();
    expect(within(table).queryByRole("combobox", { name: "When they differ: Email" })).not.toBeInTheDocument();

    expect(rows[2]).toHaveTextContent("firstName");
    expect(rows[2]).toHaveTextContent("FirstName");
    expect(within(table).getByRole("combobox", { name: "When they differ: First name" })).toHaveValue(
      "salesforce_wins",
    );
    expect(within(table).getByRole("combobox", { name: "When they differ: Unsubscribed" })).toHaveValue("marketo_wins");
    expect(rows[4]).toHaveTextContent("Not available");
    expect(rows[4]).toHaveTextContent("Marketo has no lead owner field");
    expect(screen.getByText(/Showing the default mapping/)).toBeInTheDocument();
  });

  test("Save mapping sends every optional field's choice", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    await user.selectOptions(
      within(table).getByRole("combobox", { name: "When they differ: First name" }),
      "Most recent change wins",
    );
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
    const refusal: AppError = {
      code: "conflict",
      message: "Marketo is not connected, so there is nothing to sync.",
      details: null,
    };
    mockBackend({ sync_preview: failWith(refusal) });
    const user = await openSync();
    await user.click(await screen.findByRole("button", { name: "Sync" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Marketo is not connected, so there is nothing to sync.",
    );
  });
});

describe("Custom fields", () => {
  test("custom rows show in the table with the Custom tag, each system's API name and the note", async () => {
    mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    const tier = within(table).getByRole("row", { name: /Customer tier/ });
    expect(within(tier).getByRole("rowheader")).toHaveTextContent("Customer tier Custom");
    expect(tier).toHaveTextContent("customerTier");
    expect(tier).toHaveTextContent("Customer_Tier__c");
    expect(within(tier).getByRole("combobox", { name: "When they differ: Customer tier" })).toHaveValue("most_recent");
    const tierBox = within(tier).getByRole("checkbox", { name: "Sync Customer tier" });
    expect(tierBox).toBeChecked();
    expect(tierBox).toBeEnabled();

    const region = within(table).getByRole("row", { name: /Region/ });
    expect(within(region).getByRole("rowheader")).toHaveTextContent("Region Custom");
    expect(region).toHaveTextContent(
      'Marketo has no field "region" (it no longer exists or the API user cannot read it).',
    );
    expect(region).toHaveTextContent("Not available");
    expect(region).toHaveTextContent("Region__c");
    const regionBox = within(region).getByRole("checkbox", { name: "Sync Region" });
    expect(regionBox).not.toBeChecked();
    expect(regionBox).toBeDisabled();
    expect(within(region).getByRole("button", { name: "Remove custom field Region" })).toBeEnabled();

    const first = within(table).getByRole("row", { name: /First name/ });
    expect(within(first).queryByRole("button")).not.toBeInTheDocument();
    expect(within(first).queryByText("Custom")).not.toBeInTheDocument();
  });

  test("Add sends the form to sync_custom_add as typed, reloads the preview and keeps unsaved edits", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);
    await user.selectOptions(
      within(table).getByRole("combobox", { name: "When they differ: First name" }),
      "Most recent change wins",
    );

    const form = screen.getByRole("form", { name: "Add a custom field" });
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Account segment");
    const marketo = within(form).getByRole("textbox", { name: "Marketo API name" });
    expect(marketo).toHaveAccessibleDescription("The API name, like region, not the label.");
    await user.type(marketo, " accountSegment ");
    const contact = within(form).getByRole("textbox", { name: "Salesforce Contact API name" });
    expect(contact).toHaveAccessibleDescription("The API name, like Region__c, not the label.");
    await user.type(contact, "Segment__c");
    await user.selectOptions(within(form).getByRole("combobox", { name: "When they differ" }), "Marketo wins");
    await user.click(within(form).getByRole("button", { name: "Add custom field" }));

    const row = await within(table).findByRole("row", { name: /Account segment/ });
    expect(row).toHaveTextContent("accountSegment");
    expect(row).toHaveTextContent("Segment__c");
    expect(within(row).getByRole("combobox", { name: "When they differ: Account segment" })).toHaveValue(
      "marketo_wins",
    );
    expect(called(calls, "sync_custom_add").map((call) => call.args)).toEqual([
      {
        field: {
          label: "Account segment",
          marketo: "accountSegment",
          salesforce_contact: "Segment__c",
          salesforce_lead: null,
          rule: "marketo_wins",
        },
      },
    ]);
    const order = calls.map((call) => call.cmd).filter((cmd) => cmd === "sync_preview" || cmd === "sync_custom_add");
    expect(order).toEqual(["sync_preview", "sync_custom_add", "sync_preview"]);
    expect(within(form).getByText("Custom field “Account segment” added.")).toHaveAttribute("role", "status");
    expect(within(form).getByRole("textbox", { name: "Name" })).toHaveValue("");
    expect(within(form).getByRole("textbox", { name: "Marketo API name" })).toHaveValue("");
    // The unsaved rule change survives the reload.
    expect(within(table).getByRole("combobox", { name: "When they differ: First name" })).toHaveValue("most_recent");
  });

  test("Rust's refusals are shown next to the form as they come, and the preview is not reloaded", async () => {
    const refusal: AppError = {
      code: "invalid_input",
      message:
        '"Customer Tier" is not a Marketo API field name: use the API name (letters, digits and _, like Region__c), not the label.',
      details: null,
    };
    const calls = mockBackend({ sync_custom_add: failWith(refusal) });
    const user = await openSync();
    await openPreview(user);

    const form = screen.getByRole("form", { name: "Add a custom field" });
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Tier");
    await user.type(within(form).getByRole("textbox", { name: "Marketo API name" }), "Customer Tier");
    await user.click(within(form).getByRole("button", { name: "Add custom field" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent(refusal.message);
    expect(within(form).getByRole("textbox", { name: "Marketo API name" })).toHaveValue("Customer Tier");
    expect(within(form).queryByRole("status")).not.toBeInTheDocument();
    expect(called(calls, "sync_custom_add")).toHaveLength(1);
    expect(called(calls, "sync_preview")).toHaveLength(1);
  });

  test("adding a name that exists already shows Rust's conflict message", async () => {
    mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    const form = screen.getByRole("form", { name: "Add a custom field" });
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Region");
    await user.type(within(form).getByRole("textbox", { name: "Salesforce Lead API name" }), "Region__c");
    await user.click(within(form).getByRole("button", { name: "Add custom field" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent('A custom field named "Region" exists already.');
    expect(within(table).getAllByRole("row", { name: /Region/ })).toHaveLength(1);
  });

  test("Remove calls sync_custom_remove with the field's key and the row goes away", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    await user.click(within(table).getByRole("button", { name: "Remove custom field Region" }));
    expect(await screen.findByText(/Custom field “Region” removed/)).toHaveAttribute("role", "status");
    expect(called(calls, "sync_custom_remove").map((call) => call.args)).toEqual([{ key: "custom_region" }]);
    await waitFor(() => expect(within(table).queryByRole("row", { name: /Region/ })).not.toBeInTheDocument());
    expect(called(calls, "sync_preview")).toHaveLength(2);
    expect(within(table).getByRole("row", { name: /Customer tier/ })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "Field preview" })).toHaveFocus();
  });

  test("a refused removal shows Rust's message and keeps the row", async () => {
    const refusal: AppError = {
      code: "not_found",
      message: 'There is no custom field "custom_region".',
      details: null,
    };
    mockBackend({ sync_custom_remove: failWith(refusal) });
    const user = await openSync();
    const table = await openPreview(user);
    await user.click(within(table).getByRole("button", { name: "Remove custom field Region" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(refusal.message);
    expect(within(table).getByRole("row", { name: /Region/ })).toBeInTheDocument();
  });

  test("Save mapping sends each changed custom field to sync_custom_choose, and only once", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);

    await user.selectOptions(
      within(table).getByRole("combobox", { name: "When they differ: Customer tier" }),
      "Salesforce wins",
    );
    await user.click(within(table).getByRole("checkbox", { name: "Sync Customer tier" }));
    await user.click(screen.getByRole("button", { name: "Save mapping" }));

    expect(await screen.findByText("Mapping saved")).toHaveAttribute("role", "status");
    expect(called(calls, "sync_save_mapping")).toHaveLength(1);
    expect(called(calls, "sync_custom_choose").map((call) => call.args)).toEqual([
      { key: "custom_customer_tier", selected: false, rule: "salesforce_wins" },
    ]);

    await user.click(screen.getByRole("button", { name: "Save mapping" }));
    await waitFor(() => expect(called(calls, "sync_save_mapping")).toHaveLength(2));
    expect(called(calls, "sync_custom_choose")).toHaveLength(1);
  });

  test("Start sync saves a custom field's edit before starting", async () => {
    const calls = mockBackend();
    const user = await openSync();
    const table = await openPreview(user);
    await user.selectOptions(
      within(table).getByRole("combobox", { name: "When they differ: Customer tier" }),
      "Marketo wins",
    );
    await user.click(screen.getByRole("button", { name: "Start sync" }));

    await waitFor(() => expect(called(calls, "sync_start")).toHaveLength(1));
    const order = calls
      .map((call) => call.cmd)
      .filter((cmd) => cmd.startsWith("sync_save") || cmd === "sync_custom_choose" || cmd === "sync_start");
    expect(order).toEqual(["sync_save_mapping", "sync_custom_choose", "sync_start"]);
    expect(called(calls, "sync_custom_choose")[0]!.args).toEqual({
      key: "custom_customer_tier",
      selected: true,
      rule: "marketo_wins",
    });
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

    await emitEvent(
      "sync-progress",
      progress({
        state: "paused",
        message: "Marketo's daily quota is used up; the sync resumes after midnight US Central time.",
      }),
    );
    expect(await screen.findByText(/resumes after midnight/)).toHaveAttribute("role", "status");

    const historyCalls = called(calls, "sync_history").length;
    const finished: SyncFinished = {
      report: {
        run_id: "sync-3",
        state: "succeeded",
        full: true,
        counts: counts({ created: 1800, updated: 20, deleted: 4, errors: 1 }),
        resumed: false,
      },
      error: null,
      scheduled: false,
    };
    await emitEvent("sync-finished", finished);
    expect(await screen.findByText("Sync Succeeded: 1800 created, 20 updated, 4 deleted, 1 errors.")).toHaveAttribute(
      "role",
      "status",
    );
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
    const busy: AppError = {
      code: "conflict",
      message: "A sync is already running. Wait for it to finish or cancel it.",
      details: null,
    };
    mockBackend({ sync_start: failWith(busy) });
    const user = await openSync();
    await openPreview(user);
    await user.click(screen.getByRole("button", { name: "Start sync" }));
    expect(
      await screen.findByText("A sync is already running. Wait for it to finish or cancel it."),
    ).toBeInTheDocument();

    const failed: SyncFinished = {
      report: null,
      error: {
        code: "unauthorized",
        message: "The sync cannot start: Salesforce refused the token. Reconnect it in Settings.",
        details: null,
      },
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
    expect(
      await screen.findByText("The schedule must be between 5 and 1,440 minutes, or 0 to turn it off."),
    ).toBeInTheDocument();

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
      {
        settings: { ...syncSettings, schedule_minutes: 30, log_activities: false, marketo_history_from: "2024-01-01" },
      },
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
    mockBackend({
      sync_status: () => ({
        ...syncOverview,
        status: { ...syncOverview.status, connected: false, people: 0, last_run: null },
      }),
    });
    await openSync();
    expect(await screen.findByText("Connect Salesforce and Marketo before syncing.")).toBeInTheDocument();
    expect(screen.getByText(/0 people in the cache/)).toBeInTheDocument();
  });
});
