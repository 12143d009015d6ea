// The run-history charts: without a canvas (jsdom) each chart is its table, with the same
// numbers; the sync and export histories chart records per run by outcome and API calls per day
// against each system's daily quota.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import RunChart from "../src/lib/components/RunChart.svelte";
import { called, mockBackend, utcDay } from "./backend";

/** The rows of a table, each as its cells' texts (header row first). */
function rows(table: HTMLElement): (string | undefined)[][] {
  return within(table)
    .getAllByRole("row")
    .map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim()));
}

const chart = {
  title: "Records per sync run by outcome",
  description: "Stacked bars for the last 2 runs.",
  categoryHeader: "Run",
  categories: ["Run A", "Run B"],
  series: [
    { label: "Created", color: "--chart-created", values: [1800, 0] },
    { label: "Failed", color: "--chart-failed", values: [2, 1] },
  ],
  empty: "No runs yet.",
};

describe("RunChart without a canvas", () => {
  test("shows its numbers as a table named like the chart, with a header per series and the ceiling", () => {
    mockBackend();
    render(RunChart, { ...chart, ceiling: { label: "Daily quota", value: 50000 } });
    const table = screen.getByRole("table", { name: chart.title });
    expect(rows(table)).toEqual([
      ["Run", "Created", "Failed", "Daily quota"],
      ["Run A", "1,800", "2", "50,000"],
      ["Run B", "0", "1", "50,000"],
    ]);
    expect(table.closest(".visually-hidden")).toBeNull();
    // Nothing was drawn, so there is no chart to switch from.
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Show as table" })).not.toBeInTheDocument();
    expect(screen.getByRole("figure", { name: chart.title })).toHaveTextContent(chart.description);
  });

  test("with nothing to draw shows its empty state and no table", () => {
    mockBackend();
    render(RunChart, { ...chart, categories: [], series: [] });
    expect(screen.getByText("No runs yet.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });
});

async function openSync() {
  window.history.replaceState(null, "", "#/settings/sync");
  render(App);
  await screen.findByRole("heading", { level: 1, name: "Data sync" });
}

describe("Data sync charts", () => {
  test("records per run by outcome, oldest run first, from the run history", async () => {
    mockBackend();
    await openSync();
    const table = await screen.findByRole("table", { name: "Records per sync run by outcome" });
    const [header, first, second] = rows(table);
    expect(header).toEqual(["Run", "Created", "Updated", "Unchanged", "Failed"]);
    expect(first!.slice(1)).toEqual(["1,800", "120", "0", "2"]);
    expect(second!.slice(1)).toEqual(["0", "0", "0", "0"]);
    expect(first![0]).toMatch(/Nov 23, 2026/);
    expect(
      screen.getByText(/Stacked bars for the last 2 runs, oldest on the left: Created, Updated, Unchanged, Failed/),
    );
  });

  test("API calls per day per system over 14 UTC days, against the quota where the system has one", async () => {
    const calls = mockBackend();
    await openSync();
    const marketo = await screen.findByRole("table", { name: "Marketo: API calls per day" });
    expect(called(calls, "runs_calls_per_day").map((call) => call.args)).toEqual([{ kind: "sync", days: 14 }]);
    const days = rows(marketo);
    expect(days[0]).toEqual(["Day (UTC)", "API calls", "Daily quota"]);
    expect(days).toHaveLength(15);
    expect(days.slice(13).map((row) => row.slice(1))).toEqual([
      ["1,200", "50,000"],
      ["340", "50,000"],
    ]);
    expect(days[1]!.slice(1)).toEqual(["0", "50,000"]);
    const today = new Date(`${utcDay(0)}T00:00:00Z`).toLocaleDateString("en", {
      month: "short",
      day: "numeric",
      timeZone: "UTC",
    });
    expect(days[14]![0]).toBe(today);

    // Salesforce's limit was not read yet; Dynamics 365 has none: no ceiling column, and why.
    const salesforce = screen.getByRole("table", { name: "Salesforce: API calls per day" });
    expect(rows(salesforce)[0]).toEqual(["Day (UTC)", "API calls"]);
    expect(screen.getByText("Salesforce's daily limit is drawn once a sync has read it.")).toBeInTheDocument();
    expect(rows(screen.getByRole("table", { name: "Dynamics 365: API calls per day" }))[14]![1]).toBe("12");
    expect(screen.getByText(/Dynamics 365 has no daily API quota/)).toBeInTheDocument();
  });

  test("no calls in the window: an empty state, no chart", async () => {
    mockBackend({ runs_calls_per_day: () => [], sync_history: () => [] });
    await openSync();
    expect(await screen.findByText("No API calls by runs in the last 14 days.")).toBeInTheDocument();
    expect(screen.getByText("No runs yet: the chart appears after the first run.")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: /API calls per day/ })).not.toBeInTheDocument();
  });

  test("labels and dates follow Japanese", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }) });
    window.history.replaceState(null, "", "#/settings/sync");
    render(App);
    const table = await screen.findByRole("table", { name: "Marketo: 1 日あたりの API 呼び出し" });
    expect(rows(table)[0]).toEqual(["日付 (UTC)", "API 呼び出し", "1 日の上限"]);
    expect(rows(table)[14]![0]).toMatch(/^\d+月\d+日$/);
    const records = screen.getByRole("table", { name: "同期の実行ごとのレコード数 (結果別)" });
    expect(rows(records)[0]).toEqual(["実行", "作成", "更新", "変更なし", "失敗"]);
  });
});

describe("Export charts", () => {
  test("records per export run by the export's outcomes, and calls per day against Marketo's quota", async () => {
    const calls = mockBackend();
    window.history.replaceState(null, "", "#/settings/exports");
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { level: 1, name: "Exports" });
    await user.click(within(screen.getByRole("tablist")).getByRole("tab", { name: "Runs" }));

    const records = await screen.findByRole("table", { name: "Records per export run by outcome" });
    const [header, first, second] = rows(records);
    // Skipped people are drawn because a run had some; no run had unmatched ones.
    expect(header).toEqual(["Run", "Added", "Updated", "Removed", "Unchanged", "Skipped (no valid email)", "Failed"]);
    expect(first![0]).toMatch(/^Gold partners · Nov 26, 2026/);
    expect(first!.slice(1)).toEqual(["0", "0", "0", "0", "0", "0"]);
    expect(second![0]).toMatch(/^JP weekly · /);
    expect(second!.slice(1)).toEqual(["1,000", "200", "5", "27", "2", "1"]);

    const marketo = await screen.findByRole("table", { name: "Marketo: API calls per day" });
    expect(called(calls, "runs_calls_per_day").map((call) => call.args)).toEqual([{ kind: "export", days: 14 }]);
    expect(rows(marketo)[12]!.slice(1)).toEqual(["5", "50,000"]);
    expect(screen.getByText(/Calls Liaison's export runs made to their destinations/)).toBeInTheDocument();
  });
});
