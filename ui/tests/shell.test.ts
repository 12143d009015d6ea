import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { Admin } from "../src/lib/api/bindings";
import { adminMembers, ana, called, failWith, grace, mockBackend, setupOverview } from "./backend";

describe("Top bar", () => {
  test("the vault warning is a persistent status banner with no way to dismiss it", async () => {
    const warning = "No OS keychain is available: secrets are encrypted with a key stored in the data directory.";
    mockBackend({ vault_status: () => ({ keychain: "file", warning }) });
    const user = userEvent.setup();
    render(App);

    const banner = await screen.findByText(warning);
    expect(banner.closest("[role='status']")).not.toBeNull();
    expect(within(banner.closest("[role='status']") as HTMLElement).queryByRole("button")).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByRole("heading", { level: 1, name: "Salesforce" });
    expect(screen.getByText(warning)).toBeInTheDocument();
  });

  test("no banner when secrets are in the OS keychain", async () => {
    mockBackend({ acting_admin: () => ana });
    render(App);
    await screen.findByText("Acting as ana@acme.example");
    // Home's own loaders (steps, prerequisites) say "Loading…" in a status while they load.
    await waitFor(() => expect(screen.queryByText("Loading…")).not.toBeInTheDocument());
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  test("before activation nobody acts", async () => {
    const calls = mockBackend();
    render(App);
    await screen.findByRole("progressbar");
    await waitFor(() => expect(called(calls, "acting_admin")).toHaveLength(1));
    expect(screen.queryByText(/Acting as/)).not.toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Acting admin" })).not.toBeInTheDocument();
  });

  test("switching the acting admin calls switch_admin and reloads the page", async () => {
    let acting: Admin = ana;
    const calls = mockBackend({
      acting_admin: () => acting,
      members_list: () => adminMembers,
      switch_admin: (args) => {
        acting = args.email === grace.email ? grace : ana;
        return acting;
      },
    });
    const user = userEvent.setup();
    render(App);
    await screen.findByText("Acting as ana@acme.example");

    const select = screen.getByRole("combobox", { name: "Acting admin" });
    // Active admins only: the invited user is not listed.
    expect(
      within(select)
        .getAllByRole("option")
        .map((option) => option.getAttribute("value")),
    ).toEqual(["ana@acme.example", "grace@acme.example", "linus@acme.example"]);
    expect(select).toHaveValue("ana@acme.example");
    const overviews = called(calls, "setup_overview").length;

    await user.selectOptions(select, "grace@acme.example");
    expect(called(calls, "switch_admin").map((call) => call.args)).toEqual([{ email: "grace@acme.example" }]);
    expect(await screen.findByText("Acting as grace@acme.example")).toBeInTheDocument();
    await waitFor(() => expect(called(calls, "setup_overview").length).toBe(overviews + 1));
    expect(screen.getByRole("combobox", { name: "Acting admin" })).toHaveValue("grace@acme.example");
  });

  test("a refused switch shows the backend message", async () => {
    mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      switch_admin: failWith({
        code: "forbidden",
        message: "grace@acme.example is not an active admin.",
        details: null,
      }),
    });
    const user = userEvent.setup();
    render(App);
    await user.selectOptions(await screen.findByRole("combobox", { name: "Acting admin" }), "grace@acme.example");
    expect(await screen.findByRole("alert")).toHaveTextContent("grace@acme.example is not an active admin.");
  });
});

describe("Home", () => {
  test("step 1 links to Integration info to activate while the workspace is not set up", async () => {
    mockBackend({
      setup_overview: () => ({
        ...setupOverview,
        done: 0,
        steps: setupOverview.steps.map((step) => ({ ...step, state: "not_started" })),
      }),
    });
    render(App);
    const step = await screen.findByRole("listitem", { name: /Set up the workspace/ });
    expect(within(step).getByRole("link", { name: "Activate in Integration info" })).toHaveAttribute(
      "href",
      "#/settings/integration",
    );
  });
});

describe("User management", () => {
  test("r9_removing_a_connection_owner_shows_the_backend_refusal", async () => {
    const message =
      "grace@acme.example owns the Marketo connection. Hand it over to another admin before removing grace@acme.example.";
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      remove_member: failWith({ code: "conflict", message, details: null }),
    });
    window.history.replaceState(null, "", "#/settings/users");
    const user = userEvent.setup();
    render(App);

    const remove = await screen.findByRole("button", { name: "Remove grace@acme.example" });
    await user.click(remove);
    const dialog = screen.getByRole("dialog", { name: "Remove grace@acme.example?" });
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(called(calls, "remove_member").map((call) => call.args)).toEqual([{ email: "grace@acme.example" }]);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(remove).toHaveFocus();
  });

  test("removing a member re-reads the list; Cancel removes nobody", async () => {
    let rows = adminMembers;
    const calls = mockBackend({
      members_list: () => rows,
      remove_member: (args) => {
        rows = rows.filter((member) => member.email !== args.email);
        return null;
      },
    });
    window.history.replaceState(null, "", "#/settings/users");
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("button", { name: "Remove linus@acme.example" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(called(calls, "remove_member")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Remove linus@acme.example" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Remove linus@acme.example?" })).getByRole("button", {
        name: "Remove",
      }),
    );
    await waitFor(() => expect(screen.queryByText("linus@acme.example")).not.toBeInTheDocument());
    expect(called(calls, "remove_member").map((call) => call.args)).toEqual([{ email: "linus@acme.example" }]);
  });
});
