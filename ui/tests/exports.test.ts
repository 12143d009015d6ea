import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { ExportProgress } from "../src/lib/api/bindings";
import type { ExportFinished } from "../src/lib/api/bindings";
import {
  called,
  dryRunFixture,
  dynamicsDryRunFixture,
  dynamicsRowResults,
  emitEvent,
  exportCounts,
  exportRowResults,
  exportRuns,
  failWith,
  mockBackend,
  segmentFields,
  withDynamics,
} from "./backend";

/** The cache also holds names, city and state, so each attribute has its namesake. */
const withFields = {
  segment_fields: () => [
    ...segmentFields,
    ...["first_name", "last_name", "city", "state"].map((key) => ({
      key,
      label: key.replace("_", " "),
      kind: "text" as const,
      custom: false,
    })),
  ],
};

async function openTab(tab: "Exports" | "Runs", language: "en" | "ja" = "en") {
  window.history.replaceState(null, "", "#/settings/exports");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: language === "en" ? "Exports" : "エクスポート" });
  const tabs = screen.getByRole("tablist");
  const name = language === "en" ? tab : tab === "Exports" ? "エクスポート" : "実行";
  await user.click(within(tabs).getByRole("tab", { name }));
  return user;
}

function progress(overrides: Partial<ExportProgress> = {}): ExportProgress {
  return {
    run_id: "xr3",
    export: "JP weekly",
    state: "running",
    phase: "sending",
    fraction: 0.5,
    counts: exportCounts({ added: 400, updated: 20, removed: 0, unchanged: 27, skipped: 2, failed: 0, calls: 3 }),
    message: null,
    ...overrides,
  };
}

function cells(row: HTMLElement): string[] {
  return Array.from(row.querySelectorAll("th, td"), (cell) => cell.textContent?.replace(/\s+/g, " ").trim() ?? "");
}

describe("Exports table", () => {
  test("the Exports tab sits between Segments and Runs and lists each export with its problem", async () => {
    const calls = mockBackend();
    await openTab("Exports");
    expect(screen.getAllByRole("tab").map((tab) => tab.textContent?.trim())).toEqual([
      "Destinations",
      "Segments",
      "Exports",
      "Runs",
    ]);
    const table = await screen.findByRole("table", { name: "Exports" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent?.trim()),
    ).toEqual(["Name", "Destination", "Segments", "Attributes", "Schedule", "Actions"]);
    const [weekly, gold] = within(table).getAllByRole("row").slice(1);
    expect(cells(weekly!).slice(0, 5)).toEqual([
      "JP weekly",
      "JP newsletter",
      "Japan",
      "email ← emailfirstName ← first_namecountry ← country",
      "Every 24 h",
    ]);
    const mapping = weekly!.querySelectorAll("td")[2]!;
    expect(
      within(mapping)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["email ← email", "firstName ← first_name", "country ← country"]);
    expect(cells(gold!)[4]).toBe("After each data sync");
    expect(gold!).toHaveTextContent("Needs attention The field “custom_tier” no longer exists");
    for (const action of ["Run export", "Dry run of export", "Edit export", "Delete export"])
      expect(within(weekly!).getByRole("button", { name: `${action} JP weekly` })).toBeEnabled();
    expect(called(calls, "export_activity")).toHaveLength(1);
  });

  test("without exports the tab says so", async () => {
    mockBackend({ exports_list: () => [] });
    await openTab("Exports");
    expect(await screen.findByText("No export yet.")).toBeInTheDocument();
  });
});

describe("Create and edit", () => {
  test("create sends email always, the added attributes and an every-N-hours schedule; saving does not run it", async () => {
    const calls = mockBackend(withFields);
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "New export" }));
    const form = await screen.findByRole("form", { name: "New export" });
    expect(within(form).getByRole("heading", { name: "New export" })).toHaveFocus();
    expect(form).toHaveAccessibleDescription("Saving does not run the export.");

    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Webinar follow-up");
    const destination = within(form).getByRole("combobox", { name: "Destination" });
    await user.selectOptions(destination, "Partner webinar");
    await user.click(within(form).getByRole("checkbox", { name: "Japan" }));

    // Email is always there, from "email" unless another cached text field is chosen.
    expect(within(form).getByRole("combobox", { name: "Cached field for Email" })).toHaveValue("email");
    expect(within(form).queryByRole("button", { name: "Remove attribute Email" })).not.toBeInTheDocument();

    const toAdd = within(form).getByRole("combobox", { name: "Attribute to add" });
    expect(
      within(toAdd)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["First name", "Last name", "City", "State", "Country/region"]);
    await user.click(within(form).getByRole("button", { name: "Add attribute" }));
    expect(within(form).getByRole("combobox", { name: "Cached field for First name" })).toHaveValue("first_name");
    expect(within(form).getByRole("combobox", { name: "Cached field for First name" })).toHaveFocus();
    await user.selectOptions(within(form).getByRole("combobox", { name: "Attribute to add" }), "City");
    await user.click(within(form).getByRole("button", { name: "Add attribute" }));
    await user.selectOptions(within(form).getByRole("combobox", { name: "Cached field for City" }), "custom_industry");
    await user.selectOptions(within(form).getByRole("combobox", { name: "Attribute to add" }), "Country/region");
    await user.click(within(form).getByRole("button", { name: "Add attribute" }));
    expect(within(form).getByRole("combobox", { name: "Cached field for Country/region" })).toHaveValue("country");
    await user.click(within(form).getByRole("button", { name: "Remove attribute Country/region" }));
    expect(within(form).queryByRole("combobox", { name: "Cached field for Country/region" })).not.toBeInTheDocument();

    const schedule = within(form).getByRole("group", { name: "Schedule" });
    expect(within(schedule).getByRole("radio", { name: "Manual: only when you choose Run" })).toBeChecked();
    await user.click(within(schedule).getByRole("radio", { name: "Every N hours" }));
    const hours = within(form).getByRole("spinbutton", { name: "Hours between runs" });
    await user.clear(hours);
    await user.type(hours, "6");
    await user.click(within(form).getByRole("button", { name: "Save export" }));

    expect(called(calls, "export_create").map((call) => call.args)).toEqual([
      {
        export: {
          name: "Webinar follow-up",
          destination: "Partner webinar",
          segments: ["Japan"],
          fields: [
            { attribute: "email", cache_field: "email" },
            { attribute: "first_name", cache_field: "first_name" },
            { attribute: "city", cache_field: "custom_industry" },
          ],
          schedule: { kind: "every_hours", hours: 6 },
        },
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      "Export “Webinar follow-up” saved. It has not been run.",
    );
    expect(called(calls, "export_start")).toEqual([]);
    expect(screen.getByRole("button", { name: "New export" })).toHaveFocus();
    await waitFor(() => expect(called(calls, "exports_list")).toHaveLength(2));
  });

  test("missing name, segments and an hour count out of 1–168 are named before anything is sent", async () => {
    const calls = mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "New export" }));
    const form = await screen.findByRole("form", { name: "New export" });
    await user.click(within(form).getByRole("radio", { name: "Every N hours" }));
    const hours = within(form).getByRole("spinbutton", { name: "Hours between runs" });
    await user.clear(hours);
    await user.type(hours, "200");
    await user.click(within(form).getByRole("button", { name: "Save export" }));

    const name = within(form).getByRole("textbox", { name: "Name" });
    expect(name).toHaveFocus();
    expect(name).toHaveAccessibleDescription("Enter a name for the export.");
    expect(within(form).getByRole("group", { name: "Segments" })).toHaveAccessibleDescription(
      /^Choose at least one segment\./,
    );
    expect(hours).toHaveAccessibleDescription(/^Enter a whole number of hours from 1 to 168\./);
    expect(called(calls, "export_create")).toEqual([]);
  });

  test("edit starts from the saved export and updates it under its old name", async () => {
    const calls = mockBackend(withFields);
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Edit export JP weekly" }));
    const form = await screen.findByRole("form", { name: "Edit export “JP weekly”" });
    const name = within(form).getByRole("textbox", { name: "Name" });
    expect(name).toHaveValue("JP weekly");
    expect(within(form).getByRole("combobox", { name: "Destination" })).toHaveValue("JP newsletter");
    expect(within(form).getByRole("checkbox", { name: "Japan" })).toBeChecked();
    expect(within(form).getByRole("checkbox", { name: "Old industry" })).not.toBeChecked();
    expect(within(form).getByRole("combobox", { name: "Cached field for First name" })).toHaveValue("first_name");
    expect(within(form).getByRole("combobox", { name: "Cached field for Country/region" })).toHaveValue("country");
    expect(within(form).getByRole("spinbutton", { name: "Hours between runs" })).toHaveValue(24);

    await user.clear(name);
    await user.type(name, "JP daily");
    await user.click(within(form).getByRole("checkbox", { name: "Old industry" }));
    await user.click(within(form).getByRole("radio", { name: "After each data sync" }));
    await user.click(within(form).getByRole("button", { name: "Remove attribute First name" }));
    await user.click(within(form).getByRole("button", { name: "Save export" }));

    expect(called(calls, "export_update").map((call) => call.args)).toEqual([
      {
        name: "JP weekly",
        export: {
          name: "JP daily",
          destination: "JP newsletter",
          segments: ["Japan", "Old industry"],
          fields: [
            { attribute: "email", cache_field: "email" },
            { attribute: "country", cache_field: "country" },
          ],
          schedule: { kind: "after_sync" },
        },
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent("Export “JP daily” saved.");
  });

  test("a backend error is shown in the form, which stays open", async () => {
    mockBackend({
      export_create: failWith({
        code: "invalid_input",
        message: "The segments hold 1,200,000 people; one Marketo export may send at most 1,000,000.",
        details: null,
      }),
    });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "New export" }));
    const form = await screen.findByRole("form", { name: "New export" });
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Everyone");
    await user.click(within(form).getByRole("checkbox", { name: "Japan" }));
    await user.click(within(form).getByRole("button", { name: "Save export" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("one Marketo export may send at most 1,000,000");
    expect(within(form).getByRole("textbox", { name: "Name" })).toHaveValue("Everyone");
  });
});

describe("Delete", () => {
  test("asks first, saying the list is left as it is and the history stays, then deletes", async () => {
    const calls = mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Delete export Gold partners" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete the export “Gold partners”?" });
    expect(dialog).toHaveTextContent("The list in the destination is left as it is");
    expect(dialog).toHaveTextContent("the history of its runs stays");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    expect(called(calls, "export_delete")).toEqual([]);

    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(called(calls, "export_delete").map((call) => call.args)).toEqual([{ name: "Gold partners" }]);
    expect(await screen.findByRole("status")).toHaveTextContent("Export “Gold partners” deleted.");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  test("cancelling sends nothing", async () => {
    const calls = mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Delete export JP weekly" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(called(calls, "export_delete")).toEqual([]);
  });
});

describe("Dry run", () => {
  test("shows the predicted counts, sample emails of each kind and the skipped people, with no call made", async () => {
    const calls = mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Dry run of export JP weekly" }));
    const panel = await screen.findByRole("region", { name: "Dry run of “JP weekly”" });
    expect(called(calls, "export_dry_run").map((call) => call.args)).toEqual([{ name: "JP weekly" }]);
    expect(within(panel).getByRole("heading", { level: 2 })).toHaveFocus();
    expect(panel).toHaveTextContent("Nothing was sent: a dry run makes no call to the destination.");
    for (const [key, value] of Object.entries({
      people: "1,234",
      added: "1,000",
      updated: "200",
      removed: "5",
      unchanged: "27",
      skipped: "2",
    }))
      expect(within(panel).getByTestId(`dry-${key}`)).toHaveTextContent(value);
    expect(
      within(within(panel).getByRole("list", { name: "Sample emails: To add" }))
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(dryRunFixture.added);
    expect(within(panel).getByRole("list", { name: "Sample emails: To remove" })).toHaveTextContent("gone@example.jp");
    const skipped = within(panel).getByRole("table", { name: "Skipped people and why" });
    expect(skipped).toHaveTextContent("not-an-email");
    expect(skipped).toHaveTextContent("The email is not valid.");
    expect(called(calls, "export_start")).toEqual([]);

    await user.click(within(panel).getByRole("button", { name: "Close dry run" }));
    expect(screen.queryByRole("region", { name: /Dry run/ })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Dry run of export JP weekly" })).toHaveFocus();
  });

  test("a refused dry run shows the backend's reason", async () => {
    mockBackend({
      export_dry_run: failWith({
        code: "invalid_input",
        message: "The field “custom_tier” no longer exists: it was removed from the sync.",
        details: null,
      }),
    });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Dry run of export Gold partners" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("“custom_tier” no longer exists");
  });
});

describe("Run", () => {
  test("Run starts it; progress and counts follow the events; the end shows the summary", async () => {
    const calls = mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Run export JP weekly" }));
    expect(called(calls, "export_start").map((call) => call.args)).toEqual([{ name: "JP weekly" }]);
    expect(await screen.findByRole("heading", { name: "Export “JP weekly” in progress" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run export JP weekly" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Run export Gold partners" })).toBeDisabled();

    await emitEvent("export-progress", progress());
    const bar = await screen.findByRole("progressbar", { name: "Export progress" });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "50"));
    expect(bar).toHaveAttribute("aria-valuetext", "50% · Sending");
    expect(screen.getByTestId("export-counts")).toHaveTextContent(
      "Added 400 · updated 20 · removed 0 · unchanged 27 · skipped 2 · failed 0 · files 1 · calls 3",
    );

    await emitEvent(
      "export-progress",
      progress({ state: "paused", message: "Marketo's daily quota is used up; paused until 00:00 US Central time." }),
    );
    expect(await screen.findByText(/paused until 00:00/)).toHaveAttribute("role", "status");

    const finished: ExportFinished = {
      export: "JP weekly",
      report: {
        run_id: "xr3",
        export: "JP weekly",
        state: "succeeded",
        counts: exportCounts(),
        resumed: false,
        seconds: 12.34,
        waiting_seconds: 10.5,
      },
      error: null,
      scheduled: false,
    };
    await emitEvent("export-finished", finished);
    expect(await screen.findByTestId("export-finished")).toHaveTextContent(
      "Export “JP weekly” Succeeded: 1000 added, 200 updated, 5 removed, 27 unchanged, 2 skipped, 1 failed; 4 calls in 12.3 s.",
    );
    expect(screen.getByTestId("export-finished")).toHaveAttribute("role", "status");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run export JP weekly" })).toBeEnabled();
  });

  test("a failed run shows its error", async () => {
    mockBackend();
    await openTab("Exports");
    await screen.findByRole("table", { name: "Exports" });
    await emitEvent("export-progress", progress());
    await screen.findByRole("progressbar", { name: "Export progress" });
    const finished: ExportFinished = {
      export: "JP weekly",
      report: null,
      error: { code: "unauthorized", message: "Marketo refused the access token.", details: null },
      scheduled: true,
    };
    await emitEvent("export-finished", finished);
    expect(await screen.findByRole("alert")).toHaveTextContent("Marketo refused the access token.");
    expect(screen.getByText("Export “JP weekly” did not finish.")).toBeInTheDocument();
  });

  test("a run in progress when the page opens is shown, and Cancel calls export_cancel", async () => {
    const calls = mockBackend({ export_activity: () => ({ current: progress({ fraction: 0.25 }), running: true }) });
    const user = await openTab("Exports");
    const bar = await screen.findByRole("progressbar", { name: "Export progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "25");
    expect(await screen.findByRole("button", { name: "Run export JP weekly" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Run export JP weekly" })).toHaveAccessibleDescription(
      "An export is running; wait for it to finish or cancel it.",
    );

    await user.click(screen.getByRole("button", { name: "Cancel export" }));
    expect(called(calls, "export_cancel")).toHaveLength(1);
    expect(await screen.findByText("Cancelling after the file in hand…")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Cancel export" })).toBeDisabled();
  });

  test("a refused start shows the backend's reason", async () => {
    mockBackend({
      export_start: failWith({
        code: "forbidden",
        message: "Only the export users of “JP newsletter” may change it or run its exports.",
        details: null,
      }),
    });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Run export JP weekly" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Only the export users");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run export JP weekly" })).toBeEnabled();
  });
});

describe("Runs tab", () => {
  test("lists the history of every export with counts, duration and error", async () => {
    const calls = mockBackend();
    await openTab("Runs");
    const table = await screen.findByRole("table", { name: "Export runs" });
    expect(called(calls, "export_history").map((call) => call.args)).toEqual([{ name: null, limit: 100 }]);
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent?.trim()),
    ).toEqual([
      "Export",
      "State",
      "Started",
      "Duration (s)",
      "Added",
      "Updated",
      "Removed",
      "Unchanged",
      "Skipped",
      "Unmatched",
      "Failed",
      "Calls",
      "Error",
      "Actions",
    ]);
    const [first, second] = within(table).getAllByRole("row").slice(1);
    const row = cells(first!);
    expect(row[0]).toBe("JP weekly");
    expect(row[1]).toBe("Succeeded");
    expect(row.slice(3, 13)).toEqual(["125", "1000", "200", "5", "27", "2", "0", "1", "4", ""]);
    expect(first!.querySelector("time")).toHaveAttribute("datetime", "2026-11-27T09:00:00Z");
    expect(cells(second!)[1]).toBe("Failed");
    expect(cells(second!)[12]).toBe("Marketo refused the access token.");
  });

  test("a run's results show its per-row outcomes and save them as CSV", async () => {
    const calls = mockBackend();
    const user = await openTab("Runs");
    await screen.findByRole("table", { name: "Export runs" });
    await user.click(screen.getByRole("button", { name: /^Results of the run of JP weekly started/ }));
    expect(called(calls, "export_run_rows").map((call) => call.args)).toEqual([{ run_id: "xr2", limit: 500 }]);
    const section = screen.getByRole("region", { name: /^Results of “JP weekly”, started/ });
    expect(within(section).getByRole("heading", { level: 3 })).toHaveFocus();
    const results = await within(section).findByRole("table", { name: "Per-row results" });
    const rows = within(results).getAllByRole("row").slice(1).map(cells);
    expect(rows).toEqual([
      ["bad@example.jp", "Failed", exportRowResults[0]!.reason],
      ["warn@example.jp", "Warning", exportRowResults[1]!.reason],
      ["—", "Skipped", "No email."],
    ]);

    await user.click(within(section).getByRole("button", { name: "Save results CSV" }));
    expect(called(calls, "export_results_save").map((call) => call.args)).toEqual([{ run_id: "xr2" }]);
    expect(await within(section).findByRole("status")).toHaveTextContent("Saved to /home/admin/export-results.csv");

    await user.click(within(section).getByRole("button", { name: "Close results" }));
    expect(screen.queryByRole("region", { name: /^Results of/ })).not.toBeInTheDocument();
  });

  test("closing the save dialog saves nothing and says nothing", async () => {
    mockBackend({ export_results_save: () => null });
    const user = await openTab("Runs");
    await screen.findByRole("table", { name: "Export runs" });
    await user.click(screen.getByRole("button", { name: /^Results of the run of Gold partners/ }));
    const section = screen.getByRole("region", { name: /^Results of “Gold partners”/ });
    await user.click(within(section).getByRole("button", { name: "Save results CSV" }));
    await waitFor(() => expect(within(section).getByRole("button", { name: "Save results CSV" })).toBeEnabled());
    expect(within(section).queryByRole("status")).not.toBeInTheDocument();
  });
});

describe("Exports in Japanese", () => {
  test("the tab, table, form and dry run are Japanese", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }) });
    const user = await openTab("Exports", "ja");
    const table = await screen.findByRole("table", { name: "エクスポート" });
    expect(table).toHaveTextContent("24 時間ごと");
    expect(table).toHaveTextContent("データ同期のたび");
    expect(table).toHaveTextContent("要対応");

    await user.click(screen.getByRole("button", { name: "エクスポート JP weekly のドライラン" }));
    const panel = await screen.findByRole("region", { name: "「JP weekly」のドライラン" });
    expect(panel).toHaveTextContent("ドライランはエクスポート先を一度も呼び出しません");
    await user.click(within(panel).getByRole("button", { name: "ドライランを閉じる" }));

    await user.click(screen.getByRole("button", { name: "新しいエクスポート" }));
    const form = await screen.findByRole("form", { name: "新しいエクスポート" });
    expect(form).toHaveAccessibleDescription("保存してもエクスポートは実行されません。");
    expect(within(form).getByRole("button", { name: "属性の追加" })).toBeInTheDocument();
    expect(within(form).getByRole("combobox", { name: "メール のキャッシュ項目" })).toHaveValue("email");
    expect(within(form).getByRole("radio", { name: "N 時間ごと" })).toBeInTheDocument();
  });

  test("the Runs tab is Japanese", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }) });
    const user = await openTab("Runs", "ja");
    const table = await screen.findByRole("table", { name: "エクスポートの実行" });
    expect(table).toHaveTextContent("成功");
    await user.click(screen.getAllByRole("button", { name: /の実行の結果$/ })[0]!);
    expect(await screen.findByRole("button", { name: "結果の CSV を保存" })).toBeInTheDocument();
  });
});

describe("Exports to Dynamics 365", () => {
  /** A run of the Dynamics export, with three people no contact stands for. */
  const dynamicsRun = {
    ...exportRuns[0]!,
    id: "xr3",
    export: "Contoso weekly",
    counts: exportCounts({ people: 40, added: 30, updated: 0, removed: 2, unchanged: 5, skipped: 0, unmatched: 3 }),
  };

  test("the form hides Add attribute for a Dynamics destination, says why in one line, and sends email only", async () => {
    const calls = mockBackend({ ...withDynamics, ...withFields });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "New export" }));
    const form = await screen.findByRole("form", { name: "New export" });
    await user.type(within(form).getByRole("textbox", { name: "Name" }), "Contoso monthly");
    await user.click(within(form).getByRole("checkbox", { name: "Japan" }));
    // An attribute added for the Marketo destination first…
    await user.click(within(form).getByRole("button", { name: "Add attribute" }));
    expect(within(form).getByRole("combobox", { name: "Cached field for First name" })).toBeInTheDocument();

    // …is neither shown nor sent once the destination is a Dynamics one.
    await user.selectOptions(within(form).getByRole("combobox", { name: "Destination" }), "Contoso newsletter");
    expect(within(form).queryByRole("button", { name: "Add attribute" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("combobox", { name: "Attribute to add" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("combobox", { name: "Cached field for First name" })).not.toBeInTheDocument();
    const group = within(form).getByRole("group", { name: "Contacts in Dynamics 365" });
    expect(group).toHaveAccessibleDescription(
      "Existing contacts are added to the list as they are, with no attribute sent; people without a contact are reported as unmatched.",
    );
    expect(within(group).getByRole("combobox", { name: "Cached field for Email" })).toHaveValue("email");
    expect(group).toHaveTextContent("Read to report who was matched");

    await user.click(within(form).getByRole("button", { name: "Save export" }));
    expect(called(calls, "export_create").map((call) => call.args)).toEqual([
      {
        export: {
          name: "Contoso monthly",
          destination: "Contoso newsletter",
          segments: ["Japan"],
          fields: [{ attribute: "email", cache_field: "email" }],
          schedule: { kind: "manual" },
        },
      },
    ]);
  });

  test("switching back to a Marketo destination brings the attributes back", async () => {
    mockBackend({ ...withDynamics, ...withFields });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Edit export JP weekly" }));
    const form = await screen.findByRole("form", { name: "Edit export “JP weekly”" });
    const destination = within(form).getByRole("combobox", { name: "Destination" });
    await user.selectOptions(destination, "Contoso newsletter");
    expect(within(form).queryByRole("combobox", { name: "Cached field for Country/region" })).not.toBeInTheDocument();
    await user.selectOptions(destination, "JP newsletter");
    expect(within(form).getByRole("combobox", { name: "Cached field for Country/region" })).toHaveValue("country");
    expect(within(form).getByRole("button", { name: "Add attribute" })).toBeInTheDocument();
  });

  test("editing a Dynamics export opens without the attribute controls", async () => {
    mockBackend(withDynamics);
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Edit export Contoso weekly" }));
    const form = await screen.findByRole("form", { name: "Edit export “Contoso weekly”" });
    expect(within(form).getByRole("combobox", { name: "Destination" })).toHaveValue("Contoso newsletter");
    expect(within(form).queryByRole("button", { name: "Add attribute" })).not.toBeInTheDocument();
    expect(within(form).getByRole("group", { name: "Contacts in Dynamics 365" })).toBeInTheDocument();
  });

  test("a dry run shows the unmatched count and a sample with the reasons", async () => {
    mockBackend({ ...withDynamics, export_dry_run: () => dynamicsDryRunFixture });
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Dry run of export Contoso weekly" }));
    const panel = await screen.findByRole("region", { name: "Dry run of “Contoso weekly”" });
    expect(within(panel).getByTestId("dry-unmatched")).toHaveTextContent("3");
    expect(within(panel).getByTestId("dry-unmatched").previousElementSibling).toHaveTextContent("Unmatched");
    // A Dynamics run makes calls, not import files.
    expect(within(panel).getByTestId("dry-files").previousElementSibling).toHaveTextContent("Calls");
    expect(panel).toHaveTextContent("No Dynamics 365 contact stands for these people");

    const unmatched = within(panel).getByRole("table", { name: "Unmatched people and why" });
    expect(
      within(unmatched)
        .getAllByRole("row")
        .slice(1)
        .map((row) => cells(row)),
    ).toEqual([
      ["nobody@example.jp", "No Dynamics 365 contact has this email."],
      ["twice@example.jp", "Two Dynamics 365 contacts match; none was chosen."],
    ]);
    expect(within(panel).getByTestId("dry-unmatched-sample")).toHaveTextContent("Showing 2 of 3.");
  });

  test("a dry run with nobody unmatched (every Marketo one) shows no unmatched section", async () => {
    mockBackend();
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Dry run of export JP weekly" }));
    const panel = await screen.findByRole("region", { name: "Dry run of “JP weekly”" });
    expect(within(panel).queryByTestId("dry-unmatched")).not.toBeInTheDocument();
    expect(within(panel).queryByRole("table", { name: "Unmatched people and why" })).not.toBeInTheDocument();
    expect(within(panel).getByTestId("dry-files").previousElementSibling).toHaveTextContent("Files");
    expect(dryRunFixture.counts.unmatched).toBe(0);
  });

  test("progress and the summary count the unmatched", async () => {
    mockBackend(withDynamics);
    const user = await openTab("Exports");
    await user.click(await screen.findByRole("button", { name: "Run export Contoso weekly" }));
    await emitEvent(
      "export-progress",
      progress({ export: "Contoso weekly", counts: exportCounts({ added: 10, unmatched: 3, failed: 0, calls: 2 }) }),
    );
    await waitFor(() =>
      expect(screen.getByTestId("export-counts")).toHaveTextContent(
        "Added 10 · updated 200 · removed 5 · unchanged 27 · skipped 2 · unmatched 3 · failed 0 · files 1 · calls 2",
      ),
    );
    const finished: ExportFinished = {
      export: "Contoso weekly",
      report: {
        run_id: "xr3",
        export: "Contoso weekly",
        state: "succeeded",
        counts: dynamicsRun.counts,
        resumed: false,
        seconds: 3,
        waiting_seconds: 0,
      },
      error: null,
      scheduled: false,
    };
    await emitEvent("export-finished", finished);
    expect(await screen.findByTestId("export-finished")).toHaveTextContent(
      "Export “Contoso weekly” Succeeded: 30 added, 0 updated, 2 removed, 5 unchanged, 0 skipped, 3 unmatched, 1 failed; 4 calls in 3 s.",
    );
  });

  test("the Runs tab counts the unmatched, labels them per row, and saves them in the results CSV", async () => {
    const calls = mockBackend({
      export_history: () => [dynamicsRun, ...exportRuns],
      export_run_rows: () => dynamicsRowResults,
    });
    const user = await openTab("Runs");
    const table = await screen.findByRole("table", { name: "Export runs" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((cell) => cell.textContent?.trim());
    const row = cells(within(table).getAllByRole("row")[1]!);
    expect(row[0]).toBe("Contoso weekly");
    expect(row[headers.indexOf("Unmatched")]).toBe("3");

    await user.click(screen.getByRole("button", { name: /^Results of the run of Contoso weekly started/ }));
    const section = screen.getByRole("region", { name: /^Results of “Contoso weekly”/ });
    const results = await within(section).findByRole("table", { name: "Per-row results" });
    expect(within(results).getAllByRole("row").slice(1).map(cells)).toEqual([
      ["nobody@example.jp", "Unmatched", "No Dynamics 365 contact has this email."],
      ["old@example.jp", "Unmatched", "The only matching contact is inactive."],
    ]);
    await user.click(within(section).getByRole("button", { name: "Save results CSV" }));
    expect(called(calls, "export_results_save").map((call) => call.args)).toEqual([{ run_id: "xr3" }]);
    expect(await within(section).findByRole("status")).toHaveTextContent("Saved to /home/admin/export-results.csv");
  });

  test("in Japanese", async () => {
    mockBackend({
      ...withDynamics,
      get_preferences: () => ({ language: "ja" }),
      export_dry_run: () => dynamicsDryRunFixture,
      export_history: () => [dynamicsRun],
      export_run_rows: () => dynamicsRowResults,
    });
    const user = await openTab("Exports", "ja");
    await user.click(await screen.findByRole("button", { name: "エクスポート Contoso weekly のドライラン" }));
    const panel = await screen.findByRole("region", { name: "「Contoso weekly」のドライラン" });
    expect(within(panel).getByRole("table", { name: "未照合の人とその理由" })).toBeInTheDocument();
    expect(within(panel).getByTestId("dry-unmatched-sample")).toHaveTextContent("3 人のうち 2 人を表示しています。");
    await user.click(within(panel).getByRole("button", { name: "ドライランを閉じる" }));

    await user.click(screen.getByRole("button", { name: "エクスポート Contoso weekly を編集" }));
    const form = await screen.findByRole("form", { name: "エクスポート「Contoso weekly」を編集" });
    expect(within(form).getByRole("group", { name: "Dynamics 365 の連絡先" })).toHaveAccessibleDescription(/未照合/);
    expect(within(form).queryByRole("button", { name: "属性の追加" })).not.toBeInTheDocument();

    await user.click(screen.getByRole("tab", { name: "実行" }));
    const table = await screen.findByRole("table", { name: "エクスポートの実行" });
    expect(within(table).getByRole("columnheader", { name: "未照合" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /Contoso weekly の実行の結果$/ }));
    const results = await screen.findByRole("table", { name: "行ごとの結果" });
    expect(within(results).getAllByText("未照合")).toHaveLength(2);
  });
});
