import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import DataTable from "../src/lib/components/DataTable.svelte";
import DataTableHarness from "./harness/DataTableHarness.svelte";

const rows = [
  { email: "ada@example.com", name: "Ada", visits: 3 },
  { email: "grace@example.com", name: null, visits: 0 },
];

describe("DataTable", () => {
  test("is a table named by its caption, with column headers and one row per item", () => {
    render(DataTableHarness, { rows, onopen: () => {} });
    const table = screen.getByRole("table", { name: "People" });
    const headers = within(table).getAllByRole("columnheader");
    expect(headers.map((header) => header.textContent?.trim())).toEqual(["Email", "Name", "Visits", "Actions"]);
    for (const header of headers) expect(header).toHaveAttribute("scope", "col");
    // The actions header is for screen readers only.
    expect(within(headers[3]!).getByText("Actions")).toHaveClass("visually-hidden");

    const body = within(table).getAllByRole("rowgroup")[1]!;
    const bodyRows = within(body).getAllByRole("row");
    expect(bodyRows).toHaveLength(2);
    // A rowHeader column heads its row; accessors give the text, classes reach the cells.
    expect(within(bodyRows[0]!).getByRole("rowheader", { name: "ada@example.com" })).toHaveAttribute("scope", "row");
    const cells = within(bodyRows[1]!).getAllByRole("cell");
    expect(cells.map((cell) => cell.textContent?.trim())).toEqual(["—", "0", "Open"]);
    expect(cells[1]).toHaveClass("nowrap");
    expect(cells[2]).toHaveClass("cell-actions");
  });

  test("a snippet cell renders its controls for the row", async () => {
    const onopen = vi.fn();
    render(DataTableHarness, { rows, onopen });
    await userEvent.click(screen.getByRole("button", { name: "Open grace@example.com" }));
    expect(onopen).toHaveBeenCalledWith("grace@example.com");
  });

  test("with no rows it shows the empty text instead of a table", () => {
    render(DataTableHarness, { rows: [], empty: "Nobody yet.", onopen: () => {} });
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    expect(screen.getByText("Nobody yet.")).toHaveClass("empty");
  });

  test("without an empty text, no rows still show the table with its headers", () => {
    render(DataTableHarness, { rows: [], onopen: () => {} });
    const table = screen.getByRole("table", { name: "People" });
    expect(within(table).getAllByRole("columnheader")).toHaveLength(4);
    expect(within(table).getAllByRole("row")).toHaveLength(1);
  });

  test("busy marks the table while its rows are being replaced", () => {
    const { container } = render(DataTable<{ id: number }>, {
      caption: "Numbers",
      columns: [{ header: "Number", value: (row: { id: number }) => row.id }],
      rows: [{ id: 1 }],
      key: (row: { id: number }) => row.id,
      busy: true,
    });
    expect(container.querySelector(".table-wrap")).toHaveAttribute("aria-busy", "true");
    expect(screen.getByRole("cell", { name: "1" })).toBeInTheDocument();
  });
});
