import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import { activated, called, mockBackend } from "./backend";

const sections = [
  "General",
  "Salesforce",
  "Marketo",
  "Dynamics 365",
  "Adobe Campaign",
  "Integration info",
  "User management",
  "Data sync",
  "People",
  "Exports",
  "Campaign ↔ Dynamics 365",
  "Audit log",
];

async function openSettings() {
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("button", { name: "Settings" }));
  await screen.findByRole("heading", { level: 1, name: "Salesforce" });
  return user;
}

async function openSection(name: string) {
  const user = await openSettings();
  const nav = screen.getByRole("navigation", { name: "Settings sections" });
  await user.click(within(nav).getByRole("link", { name }));
  await screen.findByRole("heading", { level: 1, name });
  return user;
}

describe("Settings", () => {
  test("the gear opens Settings at Salesforce and each nav entry shows its page", async () => {
    mockBackend();
    const user = await openSettings();

    const nav = screen.getByRole("navigation", { name: "Settings sections" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((link) => link.textContent?.trim())).toEqual(sections);
    expect(within(nav).getByRole("link", { name: "Salesforce" })).toHaveAttribute("aria-current", "page");

    for (const name of sections) {
      await user.click(within(nav).getByRole("link", { name }));
      const heading = await screen.findByRole("heading", { level: 1, name });
      expect(screen.getAllByRole("heading", { level: 1 })).toEqual([heading]);
      expect(within(nav).getByRole("link", { name })).toHaveAttribute("aria-current", "page");
      expect(
        within(nav)
          .getAllByRole("link")
          .filter((link) => link.hasAttribute("aria-current")),
      ).toHaveLength(1);
    }
    expect(window.location.hash).toBe("#/settings/audit");
    // A walk through every Settings page: it renders each one in turn.
  }, 20_000);

  test("the gear toggles back Home and reopens the last Settings page", async () => {
    mockBackend();
    const user = await openSettings();
    await user.click(screen.getByRole("link", { name: "Marketo" }));
    await screen.findByRole("heading", { level: 1, name: "Marketo" });

    await user.click(screen.getByRole("button", { name: "Settings" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Setup" })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Settings sections" })).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Settings" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Marketo" })).toBeInTheDocument();
  });

  test("Escape leaves Settings for Home, and the Home link goes Home", async () => {
    mockBackend();
    const user = await openSettings();
    await user.keyboard("{Escape}");
    expect(await screen.findByRole("heading", { level: 1, name: "Setup" })).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByRole("heading", { level: 1, name: "Salesforce" });
    await user.click(screen.getByRole("link", { name: "Home" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Setup" })).toBeInTheDocument();
  });

  test("Escape while typing in a field stays in Settings; focus lands on the new page heading", async () => {
    mockBackend();
    const user = await openSection("User management");
    await user.type(screen.getByRole("searchbox", { name: "Search members" }), "ana");
    await user.keyboard("{Escape}");
    expect(screen.getByRole("heading", { level: 1, name: "User management" })).toBeInTheDocument();

    await user.click(await screen.findByRole("table", { name: "Members" }));
    await user.keyboard("{Escape}");
    const heading = await screen.findByRole("heading", { level: 1, name: "Setup" });
    await waitFor(() => expect(heading).toHaveFocus());
  });

  test("the skip link moves focus to the content", async () => {
    mockBackend();
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { level: 1, name: "Setup" });
    await user.tab();
    const skip = screen.getByRole("link", { name: "Skip to content" });
    expect(skip).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("main")).toHaveFocus();
    expect(window.location.hash).toBe("#/");
  });

  test("a deep link opens its Settings page directly", async () => {
    window.history.replaceState(null, "", "#/settings/integration");
    mockBackend();
    render(App);
    expect(await screen.findByRole("heading", { level: 1, name: "Integration info" })).toBeInTheDocument();
  });

  test("Salesforce lists its connections with owner and Sandbox tag", async () => {
    const reason = "Salesforce is already connected by ana@acme.example.";
    mockBackend({ connect_permission: () => ({ allowed: false, reason }) });
    await openSettings();

    const table = await screen.findByRole("table", { name: "Salesforce connections" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Acme production org");
    expect(rows[0]).toHaveTextContent("ana@acme.example · org 00D000000000001");
    expect(rows[0]).toHaveTextContent("ana@acme.example");
    expect(rows[0]).not.toHaveTextContent("Sandbox");
    expect(rows[1]).toHaveTextContent("Acme test org");
    expect(within(rows[1]!).getByText("Sandbox")).toBeInTheDocument();
    // Nobody acting owns a connection, so no Disconnect (R6), only the health checks; Connect is
    // refused with the reason (R7).
    const buttons = within(screen.getByRole("main")).getAllByRole("button");
    expect(buttons.map((button) => button.getAttribute("aria-label") ?? button.textContent?.trim())).toEqual([
      "Check connection for Acme production org",
      "Check connection for Acme test org",
      "Connect",
    ]);
    const connect = buttons[2]!;
    expect(connect).toHaveAccessibleName("Connect");
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
  });

  test("a system without connections shows an empty state", async () => {
    mockBackend();
    await openSection("Marketo");
    expect(await screen.findByText("No Marketo connection yet.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  test("r2_integration_info_explains_credentials_appear_after_activation", async () => {
    mockBackend();
    await openSection("Integration info");
    expect(await screen.findByText("ws_01JD8Q7K3M")).toBeInTheDocument();
    expect(
      screen.getByText(/client ID and client secret appear here after the workspace is activated/),
    ).toBeInTheDocument();
  });

  test("r2_activated_workspace_has_no_activation_notice", async () => {
    mockBackend({
      workspace_status: () => ({
        workspace_id: "ws_1",
        created_at: "2026-11-20T09:00:00Z",
        activated_at: "2026-11-20T09:10:00Z",
        original_admin: "ana@acme.example",
      }),
      integration_info: () => activated,
    });
    await openSection("Integration info");
    expect(await screen.findByText("ana@acme.example")).toBeInTheDocument();
    expect(screen.queryByText(/appear here after the workspace is activated/)).not.toBeInTheDocument();
  });

  test("User management filters members by email or name", async () => {
    mockBackend();
    const user = await openSection("User management");

    const table = await screen.findByRole("table", { name: "Members" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((cell) => cell.textContent?.trim());
    expect(headers).toEqual(["Email", "Name", "Role", "Teams", "Status", "Invited", "Actions"]);
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(within(table).getByText("Original admin")).toBeInTheDocument();

    const search = screen.getByRole("searchbox", { name: "Search members" });
    await user.type(search, "山田");
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    expect(table).toHaveTextContent("taro@acme.example");
    expect(screen.getByRole("status")).toHaveTextContent("1 of 3 members");

    await user.clear(search);
    await user.type(search, "BOB@");
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    expect(table).toHaveTextContent("bob@acme.example");

    await user.type(search, "nobody");
    expect(screen.queryByRole("table", { name: "Members" })).not.toBeInTheDocument();
    expect(screen.getByText("No members match “BOB@nobody”.")).toBeInTheDocument();
  });

  test("User management shows an empty state without members", async () => {
    mockBackend({ members_list: () => [] });
    await openSection("User management");
    expect(await screen.findByText("No members yet.")).toBeInTheDocument();
  });

  test("Data sync shows the sync run history; Exports shows its empty state", async () => {
    const calls = mockBackend({ export_history: () => [] });
    const user = await openSection("Data sync");
    const table = await screen.findByRole("table", { name: "Data sync runs" });
    expect(table).toHaveTextContent("Succeeded");
    expect(called(calls, "sync_history").map((call) => call.args)).toEqual([{ limit: 50 }]);

    await user.click(screen.getByRole("link", { name: "Exports" }));
    await user.click(await screen.findByRole("tab", { name: "Runs" }));
    expect(await screen.findByText("No export has run yet.")).toBeInTheDocument();
  });

  test("the audit filter re-queries the log with the action", async () => {
    const calls = mockBackend();
    const user = await openSection("Audit log");

    const table = await screen.findByRole("table", { name: "Audit entries" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent?.trim()),
    ).toEqual(["Time", "Actor", "Action", "Target"]);
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(table).toHaveTextContent("System");
    expect(called(calls, "audit_list")[0]?.args).toEqual({ query: { action: null, limit: 200 } });

    await user.type(screen.getByRole("searchbox", { name: "Filter by action" }), "member.invite");
    await waitFor(() =>
      expect(called(calls, "audit_list").at(-1)?.args).toEqual({ query: { action: "member.invite", limit: 200 } }),
    );
    await waitFor(() =>
      expect(within(screen.getByRole("table", { name: "Audit entries" })).getAllByRole("row")).toHaveLength(2),
    );
    // Debounced: typing a word does not send a query per keystroke.
    expect(called(calls, "audit_list").length).toBeLessThanOrEqual(3);

    await user.clear(screen.getByRole("searchbox", { name: "Filter by action" }));
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(called(calls, "audit_list").at(-1)?.args).toEqual({ query: { action: null, limit: 200 } }),
    );
  });
});
