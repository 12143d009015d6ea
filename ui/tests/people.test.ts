import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import { called, mockBackend } from "./backend";

async function openPeople() {
  window.history.replaceState(null, "", "#/settings/people");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "People" });
  return user;
}

describe("People", () => {
  test("the page is in the Workspace settings group", async () => {
    mockBackend();
    await openPeople();
    const nav = screen.getByRole("navigation", { name: "Settings sections" });
    expect(within(nav).getByRole("link", { name: "People" })).toHaveAttribute("aria-current", "page");
  });

  test("browses the cache, searches by name, email or company, and shows a person's IDs and sources", async () => {
    const calls = mockBackend();
    const user = await openPeople();

    const table = await screen.findByRole("table", { name: "People" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(called(calls, "people_search")[0]!.args).toEqual({ query: "", limit: 100 });

    await user.type(screen.getByRole("searchbox", { name: "Search people" }), "tanaka");
    await waitFor(() =>
      expect(within(screen.getByRole("table", { name: "People" })).getAllByRole("row")).toHaveLength(2),
    );
    expect(called(calls, "people_search").at(-1)!.args).toEqual({ query: "tanaka", limit: 100 });

    await user.click(screen.getByRole("button", { name: "Details for aiko.tanaka@example.jp" }));
    const heading = screen.getByRole("heading", { level: 2, name: "Aiko Tanaka" });
    expect(heading).toHaveFocus();
    expect(screen.getByTestId("marketo-id")).toHaveTextContent("1001");
    expect(screen.getByTestId("sf-contact-id")).toHaveTextContent("003000000000001AAA");
    expect(screen.getByTestId("sf-lead-id")).toHaveTextContent("—");
    const sources = screen.getByRole("table", { name: "Field sources" });
    expect(within(sources).getByRole("row", { name: /Company/ })).toHaveTextContent("Tanaka TradingSalesforce");
    expect(within(sources).getByRole("row", { name: /Unsubscribed/ })).toHaveTextContent("NoMarketo");
    expect(within(sources).getByRole("row", { name: /City/ })).toHaveTextContent("OsakaSalesforce");

    await user.click(screen.getByRole("button", { name: "Close details" }));
    expect(screen.queryByRole("heading", { level: 2, name: "Aiko Tanaka" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Details for aiko.tanaka@example.jp" })).toHaveFocus();
  });

  test("an empty cache says to run a sync; a search without matches says so", async () => {
    mockBackend({ people_search: () => [] });
    const user = await openPeople();
    expect(await screen.findByText("The cache is empty: run a data sync first.")).toBeInTheDocument();
    await user.type(screen.getByRole("searchbox", { name: "Search people" }), "zed");
    expect(await screen.findByText("Nobody matches “zed”.")).toBeInTheDocument();
  });
});
