import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { Admin, AppError, ConnectionSummary, Handover, HealthReport, SandboxInfo } from "../src/lib/api/bindings";
import {
  adminMembers,
  ana,
  called,
  campaignConnection,
  connections,
  dynamicsConnection,
  failWith,
  grace,
  grants,
  handover,
  healthItems,
  healthReport,
  marketoConnection,
  mockBackend,
  sandboxInfo,
} from "./backend";

async function open(hash: string, heading: string) {
  window.history.replaceState(null, "", hash);
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: heading });
  return user;
}

/** Waits until the top bar knows who acts, so ownership-dependent controls have settled. */
async function actingAs(email: string) {
  await screen.findByText(`Acting as ${email}`);
}

describe("Salesforce", () => {
  test("Connect opens the sign-in confirmation; OK calls connect_salesforce with the form and waits busy", async () => {
    let rows: ConnectionSummary[] = [];
    let finish: () => void = () => {};
    const calls = mockBackend({
      acting_admin: () => ana,
      connections_list: () => rows,
      connect_salesforce: () =>
        new Promise((resolve) => {
          finish = () => {
            rows = [
              {
                id: "sf1",
                kind: "salesforce",
                display_name: "Acme org",
                account: null,
                owner: ana.email,
                is_sandbox: false,
                created_at: "2026-11-23T10:00:00Z",
                usable_by: null,
                match_by: null,
              },
            ];
            resolve(rows[0]);
          };
        }),
    });
    const user = await open("#/settings/salesforce", "Salesforce");

    expect(screen.getByRole("tab", { name: "Connect & Customize" })).toHaveAttribute("aria-selected", "true");
    const name = await screen.findByRole("textbox", { name: "Display name" });
    await user.clear(name);
    await user.type(name, "Acme org");
    await user.selectOptions(screen.getByRole("combobox", { name: "Login URL" }), "Sandbox");
    await user.type(screen.getByRole("textbox", { name: "Client ID" }), "3MVG9-client");
    await user.type(screen.getByLabelText("Client secret (optional)"), "s3cret");
    expect(screen.getByRole("checkbox", { name: "Sandbox connection" })).not.toBeChecked();

    await user.click(screen.getByRole("button", { name: "Connect" }));
    const dialog = screen.getByRole("dialog", { name: "Sign in to Salesforce" });
    expect(dialog).toHaveTextContent(/browser will open/);
    expect(called(calls, "connect_salesforce")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "OK" }));

    expect(await screen.findByText("Waiting for you to sign in in your browser…")).toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toBeInTheDocument();
    expect(screen.getByRole("form", { name: "Connect Salesforce" })).toHaveAttribute("aria-busy", "true");
    expect(called(calls, "connect_salesforce").map((call) => call.args)).toEqual([
      {
        request: { display_name: "Acme org", login_url: "sandbox", client_id: "3MVG9-client", is_sandbox: false },
        client_secret: "s3cret",
      },
    ]);

    finish();
    const table = await screen.findByRole("table", { name: "Salesforce connections" });
    expect(table).toHaveTextContent("Acme org");
    expect(screen.queryByRole("form", { name: "Connect Salesforce" })).not.toBeInTheDocument();
  });

  test("a custom login URL is passed as the URL; an empty optional secret as null", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/salesforce", "Salesforce");
    await user.selectOptions(await screen.findByRole("combobox", { name: "Login URL" }), "Custom URL");
    await user.type(screen.getByRole("textbox", { name: "Custom login URL" }), "https://acme.my.salesforce.com");
    await user.type(screen.getByRole("textbox", { name: "Client ID" }), "cid");
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(called(calls, "connect_salesforce")).toHaveLength(1));
    expect(called(calls, "connect_salesforce")[0]?.args).toEqual({
      request: {
        display_name: "Salesforce",
        login_url: "https://acme.my.salesforce.com",
        client_id: "cid",
        is_sandbox: false,
      },
      client_secret: null,
    });
  });

  test("a sandbox connection is pre-filled from sandbox_info and sends client_secret null", async () => {
    const calls = mockBackend({ connections_list: () => [], sandbox_info: () => sandboxInfo });
    const user = await open("#/settings/salesforce", "Salesforce");

    const sandbox = await screen.findByRole("checkbox", { name: "Sandbox connection" });
    await waitFor(() => expect(sandbox).toBeChecked());
    expect(screen.getByRole("textbox", { name: "Custom login URL" })).toHaveValue(sandboxInfo.salesforce_login_url);
    expect(screen.getByRole("textbox", { name: "Client ID" })).toHaveValue(sandboxInfo.salesforce_client_id);

    await user.click(screen.getByRole("button", { name: "Connect" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Salesforce" })).getByRole("button", { name: "OK" }),
    );
    await waitFor(() => expect(called(calls, "connect_salesforce")).toHaveLength(1));
    expect(called(calls, "connect_salesforce")[0]?.args).toEqual({
      request: {
        display_name: "Salesforce (Sandbox)",
        login_url: sandboxInfo.salesforce_login_url,
        client_id: sandboxInfo.salesforce_client_id,
        is_sandbox: true,
      },
      client_secret: null,
    });
  });

  test("Cancel in the sign-in confirmation connects nothing", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/salesforce", "Salesforce");
    await user.type(await screen.findByRole("textbox", { name: "Client ID" }), "cid");
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Connect" })).toHaveFocus();
    expect(called(calls, "connect_salesforce")).toHaveLength(0);
  });

  test("r7_connect_is_disabled_with_the_reason_when_not_allowed", async () => {
    const reason = "You have been granted access to Ana's Salesforce connection, so you cannot connect another one.";
    mockBackend({ connections_list: () => [], connect_permission: () => ({ allowed: false, reason }) });
    await open("#/settings/salesforce", "Salesforce");
    const connect = await screen.findByRole("button", { name: "Connect" });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
    expect(screen.getByText(reason)).toBeVisible();
  });

  test("a failed sign-in shows the backend message", async () => {
    mockBackend({
      connections_list: () => [],
      connect_salesforce: failWith({
        code: "unauthorized",
        message: "Salesforce sign-in was denied in the browser.",
        details: null,
      }),
    });
    const user = await open("#/settings/salesforce", "Salesforce");
    await user.type(await screen.findByRole("textbox", { name: "Client ID" }), "cid");
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "OK" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Salesforce sign-in was denied in the browser.");
    expect(screen.getByRole("button", { name: "Connect" })).toBeEnabled();
  });

  test("r6_only_the_owner_sees_disconnect_and_it_asks_first", async () => {
    let acting: Admin = grace;
    const calls = mockBackend({ acting_admin: () => acting, members_list: () => adminMembers });
    await open("#/settings/salesforce", "Salesforce");
    await actingAs(grace.email);
    await screen.findByRole("table", { name: "Salesforce connections" });
    expect(screen.queryByRole("button", { name: "Disconnect" })).not.toBeInTheDocument();

    acting = ana;
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole("combobox", { name: "Acting admin" }), ana.email);
    expect(called(calls, "switch_admin").map((call) => call.args)).toEqual([{ email: ana.email }]);
    const disconnect = await screen.findByRole("button", { name: "Disconnect" });
    // One Disconnect: c1 is Ana's, c2 has no owner.
    expect(screen.getAllByRole("button", { name: "Disconnect" })).toHaveLength(1);
    expect(disconnect.closest("tr")).toHaveTextContent(connections[0]!.display_name);

    await user.click(disconnect);
    const dialog = screen.getByRole("dialog", { name: "Disconnect Salesforce?" });
    await user.click(within(dialog).getByRole("button", { name: "Disconnect" }));
    await waitFor(() =>
      expect(called(calls, "disconnect").map((call) => call.args)).toEqual([{ connection_id: "c1" }]),
    );
  });
});

describe("Disconnect at Salesforce", () => {
  const notRevoked =
    "Salesforce was disconnected in Liaison, but Liaison could not end its sign-in at Salesforce. To end it now, revoke Liaison's access in Salesforce (Setup → Connected Apps OAuth Usage).";

  function disconnectBackend(outcome: { revoked: boolean; revoke_error: AppError | null }) {
    let rows: ConnectionSummary[] = [connections[0]!];
    return mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => rows,
      disconnect: (args) => {
        rows = [];
        return { connection_id: args.connection_id, kind: "salesforce", ...outcome };
      },
    });
  }

  async function disconnectOnlyConnection() {
    const user = await open("#/settings/salesforce", "Salesforce");
    await actingAs(ana.email);
    await user.click(await screen.findByRole("button", { name: "Disconnect" }));
    const dialog = screen.getByRole("dialog", { name: "Disconnect Salesforce?" });
    await user.click(within(dialog).getByRole("button", { name: "Disconnect" }));
    return user;
  }

  test("a sign-in that could not be revoked is a warning that outlives the connection's table", async () => {
    disconnectBackend({
      revoked: false,
      revoke_error: { code: "unreachable", message: notRevoked, details: null },
    });
    const user = await disconnectOnlyConnection();

    const warning = await screen.findByRole("alert");
    expect(warning).toHaveTextContent("The sign-in is still active");
    expect(warning).toHaveTextContent(notRevoked);
    // The reload after the disconnect removes the table; the warning stays.
    expect(await screen.findByText("No Salesforce connection yet.")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Salesforce connections" })).not.toBeInTheDocument();
    expect(warning).toBeInTheDocument();
    expect(screen.queryByText("The Salesforce sign-in was revoked at Salesforce.")).not.toBeInTheDocument();

    await user.click(within(warning).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  test("a revoked sign-in is confirmed", async () => {
    disconnectBackend({ revoked: true, revoke_error: null });
    await disconnectOnlyConnection();
    expect(await screen.findByRole("status")).toHaveTextContent("The Salesforce sign-in was revoked at Salesforce.");
    expect(await screen.findByText("No Salesforce connection yet.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

describe("Marketo", () => {
  // The connection a new owner made (handover step 2), or already had.
  const graceConnection: ConnectionSummary = {
    ...marketoConnection,
    id: "mk2",
    display_name: "Grace Marketo",
    account: null,
    owner: grace.email,
  };

  function marketoBackend(
    options: { acting?: Admin; handover?: () => Handover | null; rows?: () => ConnectionSummary[] } = {},
  ) {
    return mockBackend({
      acting_admin: () => options.acting ?? ana,
      members_list: () => adminMembers,
      connections_list: options.rows ?? (() => [marketoConnection]),
      handover_status: options.handover ?? (() => null),
      access_list: () => grants,
    });
  }

  test("the page has Connection and User Access tabs", async () => {
    marketoBackend();
    const user = await open("#/settings/marketo", "Marketo");
    const tabs = screen.getAllByRole("tab");
    expect(tabs.map((tab) => tab.textContent?.trim())).toEqual(["Connection", "User Access"]);
    expect(tabs[0]).toHaveAttribute("aria-selected", "true");
    tabs[0]!.focus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "User Access" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tab", { name: "User Access" })).toHaveFocus();
    expect(screen.getByRole("tabpanel", { name: "User Access" })).toBeInTheDocument();
  });

  test("r8_handover_steps_appear_in_order_and_step_3_waits_for_the_new_owner", async () => {
    let current: Handover | null = null;
    const calls = marketoBackend({
      handover: () => current,
      rows: () => [marketoConnection],
    });
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);

    await user.click(await screen.findByRole("button", { name: "Hand over ownership" }));
    const newOwner = screen.getByRole("combobox", { name: "New owner" });
    // Other active admins only.
    expect(
      within(newOwner)
        .getAllByRole("option")
        .map((option) => option.getAttribute("value")),
    ).toEqual(["grace@acme.example", "linus@acme.example"]);
    await user.selectOptions(newOwner, "grace@acme.example");
    current = handover("grant_removed");
    await user.click(screen.getByRole("button", { name: "Remove their access and start handover" }));
    expect(called(calls, "start_handover").map((call) => call.args)).toEqual([
      { kind: "marketo", email: "grace@acme.example" },
    ]);

    const steps = await screen.findByRole("list", { name: "Handover steps" });
    const items = within(steps).getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringContaining("1. Remove the new owner's access"),
      expect.stringContaining("2. New owner connects"),
      expect.stringContaining("3. You disconnect"),
    ]);
    expect(items[0]).toHaveTextContent("Done");
    expect(items[1]).toHaveTextContent("Next");
    expect(items[2]).toHaveTextContent("Not yet");
    const stepDisconnect = within(items[2]!).getByRole("button", { name: "Disconnect" });
    expect(stepDisconnect).toBeDisabled();
    expect(stepDisconnect).toHaveAccessibleDescription(/once grace@acme.example has connected/);
    // The table's own Disconnect gives way to step 3 during a handover.
    expect(screen.getAllByRole("button", { name: "Disconnect" })).toEqual([stepDisconnect]);
    expect(screen.getByRole("button", { name: "Cancel handover" })).toBeEnabled();
  });

  test("r8_step_3_disconnect_is_enabled_once_the_new_owner_connected", async () => {
    const calls = marketoBackend({
      handover: () => handover("new_connected"),
      rows: () => [marketoConnection, graceConnection],
    });
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);

    const items = within(await screen.findByRole("list", { name: "Handover steps" })).getAllByRole("listitem");
    expect(items[1]).toHaveTextContent("Done");
    expect(items[2]).toHaveTextContent("Next");
    expect(screen.queryByRole("button", { name: "Cancel handover" })).not.toBeInTheDocument();
    const stepDisconnect = within(items[2]!).getByRole("button", { name: "Disconnect" });
    expect(stepDisconnect).toBeEnabled();

    await user.click(stepDisconnect);
    await user.click(
      within(screen.getByRole("dialog", { name: "Disconnect Marketo?" })).getByRole("button", { name: "Disconnect" }),
    );
    await waitFor(() =>
      expect(called(calls, "disconnect").map((call) => call.args)).toEqual([{ connection_id: "mk1" }]),
    );
  });

  test("r8_handover_to_an_admin_already_connected_needs_only_the_first_step", async () => {
    let current: Handover | null = null;
    const calls = marketoBackend({
      handover: () => current,
      rows: () => [marketoConnection, graceConnection],
    });
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);

    // Choosing an admin who is already connected says that step 1 is all it takes.
    await user.click(await screen.findByRole("button", { name: "Hand over ownership" }));
    const newOwner = screen.getByRole("combobox", { name: "New owner" });
    await user.selectOptions(newOwner, "linus@acme.example");
    expect(newOwner).not.toHaveAccessibleDescription(/already has their own connection/);
    await user.selectOptions(newOwner, "grace@acme.example");
    expect(newOwner).toHaveAccessibleDescription(
      "grace@acme.example already has their own connection: this step is all it takes. You then finish by disconnecting yours.",
    );
    current = { ...handover("new_connected"), already_connected: true };
    await user.click(screen.getByRole("button", { name: "Remove their access and start handover" }));

    const items = within(await screen.findByRole("list", { name: "Handover steps" })).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("Done");
    expect(items[1]).toHaveTextContent("Not needed");
    expect(items[2]).toHaveTextContent("Next");
    const finish = within(items[2]!).getByRole("button", { name: "Disconnect and finish handover" });
    expect(finish).toBeEnabled();
    expect(finish).toHaveAccessibleDescription(
      "grace@acme.example already has their own connection, so only step 1 was needed. Disconnect yours to finish: everyone's access moves to grace@acme.example's connection.",
    );
    await user.click(finish);
    await user.click(
      within(screen.getByRole("dialog", { name: "Disconnect Marketo?" })).getByRole("button", { name: "Disconnect" }),
    );
    await waitFor(() =>
      expect(called(calls, "disconnect").map((call) => call.args)).toEqual([{ connection_id: "mk1" }]),
    );
  });

  test("r8_the_new_owner_already_connected_is_told_there_is_nothing_to_do", async () => {
    marketoBackend({ acting: grace, handover: () => ({ ...handover("new_connected"), already_connected: true }) });
    await open("#/settings/marketo", "Marketo");
    await actingAs(grace.email);
    expect(
      await screen.findByText(
        "You already have your own connection, so there is nothing for you to do. ana@acme.example finishes the handover by disconnecting the old connection.",
      ),
    ).toBeInTheDocument();
  });

  test("r8_cancel_handover_calls_the_backend", async () => {
    const calls = marketoBackend({ handover: () => handover("grant_removed") });
    const user = await open("#/settings/marketo", "Marketo");
    await user.click(await screen.findByRole("button", { name: "Cancel handover" }));
    expect(called(calls, "cancel_handover").map((call) => call.args)).toEqual([{ kind: "marketo" }]);
  });

  test("r8_the_new_owner_gets_the_connect_form_during_a_handover", async () => {
    marketoBackend({ acting: grace, handover: () => handover("grant_removed") });
    await open("#/settings/marketo", "Marketo");
    await actingAs(grace.email);
    expect(await screen.findByRole("form", { name: "Connect Marketo" })).toBeInTheDocument();
    expect(screen.getByText(/ana@acme.example is handing the Marketo connection over to you/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Connect" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: "Disconnect" })).not.toBeInTheDocument();
  });

  test("r7_marketo_connect_is_disabled_with_the_reason", async () => {
    const reason = "Ana already owns the Marketo connection. Ask Ana to hand it over.";
    mockBackend({ connections_list: () => [], connect_permission: () => ({ allowed: false, reason }) });
    await open("#/settings/marketo", "Marketo");
    const connect = await screen.findByRole("button", { name: "Connect" });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
  });

  test("r7_granted_admin_sees_connect_disabled_with_the_reason", async () => {
    const reason = "You have access to ana@acme.example's Marketo connection, so you cannot connect another one.";
    const linus: Admin = { id: "m5", email: "linus@acme.example", name: null, is_original_admin: false };
    mockBackend({
      acting_admin: () => linus,
      members_list: () => adminMembers,
      connections_list: () => [marketoConnection],
      connect_permission: () => ({ allowed: false, reason }),
    });
    await open("#/settings/marketo", "Marketo");
    await actingAs(linus.email);
    const connect = await screen.findByRole("button", { name: "Connect" });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
    expect(screen.queryByRole("form", { name: "Connect Marketo" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Disconnect" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Hand over ownership" })).not.toBeInTheDocument();
  });

  test("the owner sees no Connect at all", async () => {
    marketoBackend({ acting: ana });
    await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);
    expect(await screen.findByRole("button", { name: "Disconnect" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: "Connect" })).not.toBeInTheDocument();
  });

  test("connect_marketo gets the form values and the secret", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/marketo", "Marketo");
    const name = await screen.findByRole("textbox", { name: "Display name" });
    await user.clear(name);
    await user.type(name, "Acme Marketo");
    await user.type(screen.getByRole("textbox", { name: "REST endpoint or Munchkin ID" }), "123-ABC-456");
    await user.type(screen.getByRole("textbox", { name: "Client ID" }), "mkto-client");
    const secret = screen.getByLabelText("Client secret");
    expect(secret).toHaveAttribute("type", "password");
    await user.type(secret, "mkto-secret");
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_marketo")).toHaveLength(1));
    expect(called(calls, "connect_marketo")[0]?.args).toEqual({
      request: { display_name: "Acme Marketo", base_url: "123-ABC-456", client_id: "mkto-client", is_sandbox: false },
      client_secret: "mkto-secret",
    });
  });

  test("user_access_grant_and_revoke_call_the_commands", async () => {
    const calls = marketoBackend();
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);
    await user.click(screen.getByRole("tab", { name: "User Access" }));

    const table = await screen.findByRole("table", { name: "Admins with access to Acme Marketo" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent?.trim()),
    ).toEqual(["Admin", "Granted by", "Granted", "Actions"]);
    expect(table).toHaveTextContent("linus@acme.example");

    // Neither the owner nor someone who already has access can be chosen.
    const admin = screen.getByRole("combobox", { name: "Admin" });
    const options = within(admin)
      .getAllByRole("option")
      .map((option) => option.getAttribute("value"));
    expect(options).toEqual(["", "grace@acme.example"]);
    await user.selectOptions(admin, "grace@acme.example");
    await user.click(screen.getByRole("button", { name: "Grant access" }));
    expect(called(calls, "grant_access").map((call) => call.args)).toEqual([
      { connection_id: "mk1", email: "grace@acme.example" },
    ]);

    await user.click(screen.getByRole("button", { name: "Remove access for linus@acme.example" }));
    expect(called(calls, "revoke_access").map((call) => call.args)).toEqual([
      { connection_id: "mk1", email: "linus@acme.example" },
    ]);
    await waitFor(() => expect(called(calls, "access_list").length).toBeGreaterThanOrEqual(3));
  });

  test("seed_001_user_access_search_finds_the_admin_by_name_or_email_and_says_when_nothing_matches", async () => {
    const calls = marketoBackend();
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(ana.email);
    await user.click(screen.getByRole("tab", { name: "User Access" }));
    const table = () => screen.queryByRole("table", { name: "Admins with access to Acme Marketo" });
    await waitFor(() => expect(table()).toBeInTheDocument());
    const search = screen.getByRole("searchbox", { name: "Search admins" });
    const admin = screen.getByRole("combobox", { name: "Admin" });
    const choices = () =>
      within(admin)
        .getAllByRole("option")
        .map((option) => option.getAttribute("value"));

    // By name, ignoring case: Grace is offered, Linus's grant is hidden.
    await user.type(search, "hopper");
    expect(choices()).toEqual(["", "grace@acme.example"]);
    expect(table()).not.toBeInTheDocument();
    expect(screen.getByText("No admin with access matches the search.")).toBeInTheDocument();
    expect(search).toHaveAccessibleDescription("1 admin(s) match.");

    // By email: Linus's grant is found, to revoke it.
    await user.clear(search);
    await user.type(search, "LINUS@");
    expect(within(table()!).getByText("linus@acme.example")).toBeInTheDocument();
    expect(screen.getByText("No admin without access matches the search.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Remove access for linus@acme.example" }));
    expect(called(calls, "revoke_access").map((call) => call.args)).toEqual([
      { connection_id: "mk1", email: "linus@acme.example" },
    ]);

    // Nothing matches: one message says so; Escape clears the search and shows everyone again.
    await user.clear(search);
    await user.type(search, "nobody");
    expect(search).toHaveAccessibleDescription("No admin matches “nobody”.");
    expect(screen.queryByRole("combobox", { name: "Admin" })).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(search).toHaveValue("");
    expect(search).toHaveFocus();
    expect(
      within(screen.getByRole("combobox", { name: "Admin" }))
        .getAllByRole("option")
        .map((option) => option.getAttribute("value")),
    ).toEqual(["", "grace@acme.example"]);
    expect(within(table()!).getByText("linus@acme.example")).toBeInTheDocument();
  });

  test("only the owner can grant or remove access", async () => {
    marketoBackend({ acting: grace });
    const user = await open("#/settings/marketo", "Marketo");
    await actingAs(grace.email);
    await user.click(screen.getByRole("tab", { name: "User Access" }));
    await screen.findByRole("table", { name: "Admins with access to Acme Marketo" });
    expect(screen.getByText("Only the owner, ana@acme.example, can grant or remove access.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Grant access" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Remove access/ })).not.toBeInTheDocument();
  });
});

describe("Sandbox", () => {
  test("the sandbox card starts the sandbox and the Marketo form is pre-filled from it", async () => {
    let sandbox: SandboxInfo | null = null;
    const calls = mockBackend({
      connections_list: () => [],
      sandbox_info: () => sandbox,
      sandbox_start: () => {
        sandbox = sandboxInfo;
        return sandbox;
      },
    });
    const user = userEvent.setup();
    render(App);

    const card = await screen.findByRole("region", { name: "Try Liaison with the built-in sandbox" });
    await user.click(within(card).getByRole("button", { name: "Try Liaison with the sandbox" }));
    expect(called(calls, "sandbox_start")).toHaveLength(1);
    const running = await within(card).findByRole("status");
    expect(running).toHaveTextContent("The sandbox is running with 5,000 people.");
    expect(within(running).getByText("Sandbox")).toBeInTheDocument();
    // The backend completes steps itself, so the overview is re-read.
    await waitFor(() => expect(called(calls, "setup_overview")).toHaveLength(2));

    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.click(screen.getByRole("link", { name: "Marketo" }));
    await screen.findByRole("heading", { level: 1, name: "Marketo" });
    expect(await screen.findByRole("checkbox", { name: "Sandbox connection" })).toBeChecked();
    expect(screen.getByRole("textbox", { name: "REST endpoint or Munchkin ID" })).toHaveValue(
      sandboxInfo.marketo_base_url,
    );
    expect(screen.getByRole("textbox", { name: "Client ID" })).toHaveValue(sandboxInfo.marketo_client_id);
    expect(screen.getByLabelText("Client secret")).toHaveAccessibleDescription("The sandbox's demo secret is used");

    await user.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_marketo")).toHaveLength(1));
    expect(called(calls, "connect_marketo")[0]?.args).toEqual({
      request: {
        display_name: "Marketo (Sandbox)",
        base_url: sandboxInfo.marketo_base_url,
        client_id: sandboxInfo.marketo_client_id,
        is_sandbox: true,
      },
      client_secret: null,
    });
  });

  test("a sandbox start failure shows the backend message", async () => {
    mockBackend({
      connections_list: () => [],
      sandbox_start: failWith({
        code: "unavailable",
        message: "The sandbox could not bind a loopback port.",
        details: null,
      }),
    });
    const user = userEvent.setup();
    render(App);
    await user.click(await screen.findByRole("button", { name: "Try Liaison with the sandbox" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The sandbox could not bind a loopback port.");
  });

  test("with connections and no sandbox, Home offers no sandbox card", async () => {
    mockBackend();
    render(App);
    await screen.findByRole("progressbar");
    expect(screen.queryByRole("button", { name: "Try Liaison with the sandbox" })).not.toBeInTheDocument();
  });
});

describe("Dynamics 365", () => {
  test("r13_sign_in_and_connect_asks_first_then_calls_connect_dynamics_for_administrators_by_default", async () => {
    let rows: ConnectionSummary[] = [];
    let finish: () => void = () => {};
    const calls = mockBackend({
      acting_admin: () => ana,
      connections_list: () => rows,
      connect_dynamics: () =>
        new Promise((resolve) => {
          finish = () => {
            rows = [{ ...dynamicsConnection, display_name: "Contoso test org", is_sandbox: false }];
            resolve(rows[0]);
          };
        }),
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");

    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    expect(screen.getByText("No Dynamics 365 connection yet.")).toBeInTheDocument();
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso test org");
    const server = within(form).getByRole("textbox", { name: "Server address" });
    expect(server).toHaveAccessibleDescription(/e\.g\. https:\/\/contoso\.crm\.dynamics\.com/);
    await user.type(server, "https://contoso-test.crm.dynamics.com");
    const authority = within(form).getByRole("textbox", { name: "Sign-in authority" });
    expect(authority).not.toBeRequired();
    expect(authority).toHaveAccessibleDescription(/https:\/\/login\.microsoftonline\.com\/organizations/);
    await user.type(
      within(form).getByRole("textbox", { name: "Application (client) ID" }),
      "00000000-aaaa-bbbb-cccc-000000000001",
    );
    const usableBy = within(form).getByRole("group", { name: "Who may use this connection" });
    expect(within(usableBy).getByRole("radio", { name: "Administrators" })).toBeChecked();
    expect(within(usableBy).getByRole("radio", { name: "Named members" })).not.toBeChecked();
    expect(usableBy).toHaveAccessibleDescription(
      "Administrators: every admin of this workspace. Named members: only these people and you.",
    );
    // The member list is only asked for once Named members is chosen.
    expect(within(form).queryByRole("group", { name: "Members who may use it" })).not.toBeInTheDocument();
    expect(within(form).getByRole("checkbox", { name: "Sandbox connection" })).not.toBeChecked();

    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    const dialog = screen.getByRole("dialog", { name: "Sign in to Microsoft" });
    expect(dialog).toHaveTextContent("https://contoso-test.crm.dynamics.com");
    expect(called(calls, "connect_dynamics")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "OK" }));

    expect(await screen.findByText("Waiting for you to sign in in your browser…")).toBeInTheDocument();
    expect(form).toHaveAttribute("aria-busy", "true");
    expect(within(form).getByRole("progressbar")).toBeInTheDocument();
    expect(within(form).queryByRole("button", { name: "Sign in and connect" })).not.toBeInTheDocument();
    expect(called(calls, "connect_dynamics").map((call) => call.args)).toEqual([
      {
        request: {
          display_name: "Contoso test org",
          org_url: "https://contoso-test.crm.dynamics.com",
          authority_url: "",
          client_id: "00000000-aaaa-bbbb-cccc-000000000001",
          usable_by: { kind: "administrators" },
          is_sandbox: false,
          match_by: { kind: "email" },
        },
      },
    ]);

    finish();
    const table = await screen.findByRole("table", { name: "Dynamics 365 connections" });
    expect(table).toHaveTextContent("Contoso test org");
    // Several orgs can be connected: the form stays, emptied, and says what happened.
    expect(await within(form).findByRole("status")).toHaveTextContent("“Contoso test org” is connected.");
    expect(within(form).getByRole("textbox", { name: "Display name" })).toHaveValue("");
    expect(within(form).getByRole("button", { name: "Sign in and connect" })).toHaveFocus();
  });

  test("r13_marking_a_connection_as_the_sandbox_fills_in_the_sandbox_org_while_it_runs", async () => {
    mockBackend({ acting_admin: () => ana, connections_list: () => [], sandbox_info: () => sandboxInfo });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    const server = within(form).getByRole("textbox", { name: "Server address" });
    expect(server).toHaveValue("");
    await user.click(within(form).getByRole("checkbox", { name: "Sandbox connection" }));
    expect(server).toHaveValue(sandboxInfo.dynamics_org_url);
    expect(within(form).getByRole("textbox", { name: "Sign-in authority" })).toHaveValue(
      sandboxInfo.dynamics_authority_url,
    );
    expect(within(form).getByRole("textbox", { name: "Display name" })).toHaveValue("Dynamics 365 (Sandbox)");
  });

  test("r13_an_empty_display_name_is_refused_before_anything_is_called", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await user.type(within(form).getByRole("textbox", { name: "Server address" }), "https://contoso.crm.dynamics.com");
    await user.type(within(form).getByRole("textbox", { name: "Application (client) ID" }), "app-id");

    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    const name = within(form).getByRole("textbox", { name: "Display name" });
    expect(name).toHaveFocus();
    expect(name).toBeInvalid();
    expect(name).toHaveAccessibleDescription(/^Enter a display name\./);
    expect(within(form).getByRole("textbox", { name: "Server address" })).toBeValid();

    // Every empty required field says so.
    await user.clear(within(form).getByRole("textbox", { name: "Application (client) ID" }));
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    expect(within(form).getByText("Enter the application (client) ID.")).toBeInTheDocument();
    expect(called(calls, "connect_dynamics")).toHaveLength(0);

    // Typing clears the message; the backend is still not asked until OK.
    await user.type(name, "Contoso");
    expect(within(form).queryByText("Enter a display name.")).not.toBeInTheDocument();
    expect(called(calls, "connect_dynamics")).toHaveLength(0);
  });

  test("r13_named_members_and_sandbox_are_passed_and_cancel_connects_nothing", async () => {
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [],
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Sandbox org");
    await user.type(within(form).getByRole("textbox", { name: "Server address" }), "http://127.0.0.1:43117/dynamics");
    await user.type(within(form).getByRole("textbox", { name: "Sign-in authority" }), "http://127.0.0.1:43117/login");
    await user.type(within(form).getByRole("textbox", { name: "Application (client) ID" }), "sandbox-dyn-client");
    await user.click(within(form).getByRole("radio", { name: "Named members" }));
    await user.click(await within(form).findByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" }));
    await user.click(within(form).getByRole("checkbox", { name: "Sandbox connection" }));

    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "Sign in and connect" })).toHaveFocus();
    expect(called(calls, "connect_dynamics")).toHaveLength(0);

    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Microsoft" })).getByRole("button", { name: "OK" }),
    );
    await waitFor(() => expect(called(calls, "connect_dynamics")).toHaveLength(1));
    expect(called(calls, "connect_dynamics")[0]?.args).toEqual({
      request: {
        display_name: "Sandbox org",
        org_url: "http://127.0.0.1:43117/dynamics",
        authority_url: "http://127.0.0.1:43117/login",
        client_id: "sandbox-dyn-client",
        usable_by: { kind: "members", emails: ["grace@acme.example"] },
        is_sandbox: true,
        match_by: { kind: "email" },
      },
    });
  });

  test("a failed Microsoft sign-in shows the backend message and keeps the form", async () => {
    mockBackend({
      connections_list: () => [],
      connect_dynamics: failWith({
        code: "unauthorized",
        message: "Microsoft sign-in was cancelled in the browser.",
        details: null,
      }),
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso");
    await user.type(within(form).getByRole("textbox", { name: "Server address" }), "https://contoso.crm.dynamics.com");
    await user.type(within(form).getByRole("textbox", { name: "Application (client) ID" }), "app-id");
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "OK" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Microsoft sign-in was cancelled in the browser.");
    expect(within(form).getByRole("textbox", { name: "Display name" })).toHaveValue("Contoso");
    expect(within(form).getByRole("button", { name: "Sign in and connect" })).toBeEnabled();
  });

  test("connecting is refused with the backend's reason before the workspace is activated", async () => {
    const reason = "Activate the workspace first (setup step 1).";
    mockBackend({ connections_list: () => [], connect_permission: () => ({ allowed: false, reason }) });
    await open("#/settings/dynamics", "Dynamics 365");
    const connect = await screen.findByRole("button", { name: "Sign in and connect" });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
  });
});

describe("Who may use a Dynamics 365 connection (R13)", () => {
  const named: ConnectionSummary = {
    ...dynamicsConnection,
    usable_by: { kind: "members", emails: ["grace@acme.example", "linus@acme.example"] },
  };

  async function fillDynamicsForm(user: ReturnType<typeof userEvent.setup>, form: HTMLElement) {
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso EU");
    await user.type(
      within(form).getByRole("textbox", { name: "Server address" }),
      "https://contoso-eu.crm4.dynamics.com",
    );
    await user.type(within(form).getByRole("textbox", { name: "Application (client) ID" }), "app-id");
  }

  test("r13_named_members_are_picked_from_the_workspace_members_and_sent_exactly", async () => {
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [],
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    await actingAs(ana.email);
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await fillDynamicsForm(user, form);
    const usableBy = within(form).getByRole("group", { name: "Who may use this connection" });
    await user.click(within(usableBy).getByRole("radio", { name: "Named members" }));

    // Every member but the one connecting (who always may), with their role and status.
    const members = await within(form).findByRole("group", { name: "Members who may use it" });
    expect(
      within(members)
        .getAllByRole("checkbox")
        .map((box) => [(box as HTMLInputElement).value, (box as HTMLInputElement).labels?.[0]?.textContent]),
    ).toEqual([
      ["grace@acme.example", "Grace Hopper <grace@acme.example>"],
      ["linus@acme.example", "linus@acme.example"],
      ["taro@acme.example", "山田 太郎 <taro@acme.example>"],
    ]);
    expect(
      within(members).getByRole("checkbox", { name: "山田 太郎 <taro@acme.example>" }),
    ).toHaveAccessibleDescription("User · Invited");
    expect(members).toHaveAccessibleDescription(/You \(ana@acme\.example\) may always use it/);

    // Named members with nobody ticked is refused here, before the browser opens.
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(members).toHaveFocus();
    expect(members).toHaveAccessibleDescription(/^Choose at least one member, or choose Administrators\./);

    // From the keyboard: Tab into the list, Space ticks.
    await user.tab();
    expect(within(members).getByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" })).toHaveFocus();
    await user.tab();
    await user.keyboard(" ");
    await user.click(within(members).getByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" }));
    expect(within(form).queryByText("Choose at least one member, or choose Administrators.")).not.toBeInTheDocument();

    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Microsoft" })).getByRole("button", { name: "OK" }),
    );
    await waitFor(() => expect(called(calls, "connect_dynamics")).toHaveLength(1));
    expect(called(calls, "connect_dynamics")[0]?.args).toEqual({
      request: {
        display_name: "Contoso EU",
        org_url: "https://contoso-eu.crm4.dynamics.com",
        authority_url: "",
        client_id: "app-id",
        // In the list's order, whatever the order of ticking.
        usable_by: { kind: "members", emails: ["grace@acme.example", "linus@acme.example"] },
        is_sandbox: false,
        match_by: { kind: "email" },
      },
    });
    // Ready for the next org: back to the default.
    expect(await within(form).findByRole("status")).toHaveTextContent("“Contoso EU” is connected.");
    expect(within(form).getByRole("radio", { name: "Administrators" })).toBeChecked();
  });

  test("r13_a_member_the_backend_refuses_is_shown_as_it_says", async () => {
    const refusal = "taro@acme.example is not a member of this workspace. Invite them first.";
    mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [],
      connect_dynamics: failWith({ code: "invalid_input", message: refusal, details: null }),
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await fillDynamicsForm(user, form);
    await user.click(within(form).getByRole("radio", { name: "Named members" }));
    await user.click(await within(form).findByRole("checkbox", { name: "山田 太郎 <taro@acme.example>" }));
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "OK" }));
    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent(refusal);
    expect(alert).toHaveTextContent("Error code: invalid_input");
    expect(within(form).getByRole("checkbox", { name: "山田 太郎 <taro@acme.example>" })).toBeChecked();
  });

  test("r13_the_table_shows_who_may_use_each_connection", async () => {
    mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [dynamicsConnection, { ...named, id: "dy2", display_name: "Contoso EU" }],
    });
    await open("#/settings/dynamics", "Dynamics 365");
    const table = await screen.findByRole("table", { name: "Dynamics 365 connections" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((th) => th.textContent?.trim());
    expect(headers).toContain("Who may use it");
    const cell = (name: string) => {
      const row = within(table).getByRole("row", { name: new RegExp(name) });
      return within(row).getAllByRole("cell")[4]!;
    };
    expect(cell("Contoso Sales")).toHaveTextContent(/^Administrators\s*Every admin of this workspace$/);
    const members = within(cell("Contoso EU")).getByRole("list");
    expect(
      within(members)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual(["grace@acme.example", "linus@acme.example", "and the owner"]);
  });

  test("r13_the_owner_changes_who_may_use_it_through_connection_set_usable_by", async () => {
    let rows: ConnectionSummary[] = [dynamicsConnection];
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => rows,
      connection_set_usable_by: (args) => {
        rows = [{ ...dynamicsConnection, usable_by: args.usable_by as ConnectionSummary["usable_by"] }];
        return null;
      },
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    await actingAs(ana.email);
    const change = await screen.findByRole("button", { name: "Change who may use Contoso Sales (production)" });
    expect(change).toHaveTextContent("Change who may use…");
    await user.click(change);

    const dialog = screen.getByRole("dialog", { name: "Who may use “Contoso Sales (production)”?" });
    // It starts from what is stored.
    expect(within(dialog).getByRole("radio", { name: "Administrators" })).toBeChecked();
    await user.click(within(dialog).getByRole("radio", { name: "Named members" }));
    const members = await within(dialog).findByRole("group", { name: "Members who may use it" });
    // Nobody ticked: said here, nothing sent.
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(members).toHaveFocus();
    expect(members).toHaveAccessibleDescription(/^Choose at least one member, or choose Administrators\./);
    expect(called(calls, "connection_set_usable_by")).toEqual([]);

    await user.click(within(members).getByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" }));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(called(calls, "connection_set_usable_by").map((call) => call.args)).toEqual([
      { connection_id: "dy1", usable_by: { kind: "members", emails: ["grace@acme.example"] } },
    ]);
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(await screen.findByRole("status")).toHaveTextContent("Saved who may use “Contoso Sales (production)”.");
    const table = screen.getByRole("table", { name: "Dynamics 365 connections" });
    await waitFor(() => expect(table).toHaveTextContent("grace@acme.example"));
    // Focus returns to the control that opened the dialog.
    expect(screen.getByRole("button", { name: "Change who may use Contoso Sales (production)" })).toHaveFocus();

    // Opened again, it shows the stored members ticked; back to Administrators.
    await user.click(screen.getByRole("button", { name: "Change who may use Contoso Sales (production)" }));
    const again = screen.getByRole("dialog", { name: "Who may use “Contoso Sales (production)”?" });
    expect(within(again).getByRole("radio", { name: "Named members" })).toBeChecked();
    expect(await within(again).findByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" })).toBeChecked();
    await user.click(within(again).getByRole("radio", { name: "Administrators" }));
    await user.click(within(again).getByRole("button", { name: "Save" }));
    expect(called(calls, "connection_set_usable_by").map((call) => call.args)[1]).toEqual({
      connection_id: "dy1",
      usable_by: { kind: "administrators" },
    });
  });

  test("r13_the_backend_refusal_is_shown_in_an_alert_and_the_dialog_stays", async () => {
    const refusal =
      "Only the admin who connected “Contoso Sales (production)” (ana@acme.example) can change who may use it.";
    mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [named],
      connection_set_usable_by: failWith({ code: "forbidden", message: refusal, details: null }),
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    await user.click(await screen.findByRole("button", { name: "Change who may use Contoso Sales (production)" }));
    const dialog = screen.getByRole("dialog", { name: "Who may use “Contoso Sales (production)”?" });
    const members = await within(dialog).findByRole("group", { name: "Members who may use it" });
    expect(within(members).getByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" })).toBeChecked();
    expect(within(members).getByRole("checkbox", { name: "linus@acme.example" })).toBeChecked();
    expect(within(members).getByRole("checkbox", { name: "山田 太郎 <taro@acme.example>" })).not.toBeChecked();
    await user.click(within(members).getByRole("checkbox", { name: "linus@acme.example" }));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent(refusal);
    expect(alert).toHaveTextContent("Error code: forbidden");
    expect(within(members).getByRole("checkbox", { name: "linus@acme.example" })).not.toBeChecked();
    expect(screen.queryByRole("status")).not.toBeInTheDocument();

    // Cancel leaves everything as it was.
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  test("r13_a_named_email_that_is_no_longer_a_member_stays_listed_so_it_can_be_unticked", async () => {
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [
        { ...dynamicsConnection, usable_by: { kind: "members", emails: ["grace@acme.example", "old@acme.example"] } },
      ],
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    await user.click(await screen.findByRole("button", { name: "Change who may use Contoso Sales (production)" }));
    const dialog = screen.getByRole("dialog", { name: "Who may use “Contoso Sales (production)”?" });
    const old = await within(dialog).findByRole("checkbox", { name: "old@acme.example" });
    expect(old).toBeChecked();
    expect(old).toHaveAccessibleDescription("No longer a member of this workspace");
    await user.click(old);
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(called(calls, "connection_set_usable_by").map((call) => call.args)).toEqual([
      { connection_id: "dy1", usable_by: { kind: "members", emails: ["grace@acme.example"] } },
    ]);
  });

  test("r13_with_no_other_member_named_members_says_so_and_cannot_be_sent", async () => {
    const calls = mockBackend({
      acting_admin: () => ana,
      members_list: () => [adminMembers[0]!],
      connections_list: () => [],
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    await actingAs(ana.email);
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await fillDynamicsForm(user, form);
    await user.click(within(form).getByRole("radio", { name: "Named members" }));
    expect(
      await within(form).findByText(
        "This workspace has no other member yet. Invite people under User management, or keep Administrators.",
      ),
    ).toBeInTheDocument();
    expect(within(form).queryByRole("checkbox", { name: /ana@acme\.example/ })).not.toBeInTheDocument();
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    expect(within(form).getByText("Choose at least one member, or choose Administrators.")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(called(calls, "connect_dynamics")).toEqual([]);
  });

  test("r13_anyone_but_the_owner_sees_who_may_use_it_read_only", async () => {
    const calls = mockBackend({
      acting_admin: () => grace,
      members_list: () => adminMembers,
      connections_list: () => [named],
    });
    await open("#/settings/dynamics", "Dynamics 365");
    await actingAs(grace.email);
    const table = await screen.findByRole("table", { name: "Dynamics 365 connections" });
    const row = within(table).getByRole("row", { name: /Contoso Sales/ });
    expect(row).toHaveTextContent("Named members");
    expect(row).toHaveTextContent("grace@acme.example");
    expect(within(row).getByRole("button", { name: `Check connection for ${named.display_name}` })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Change who may use/ })).not.toBeInTheDocument();
    expect(called(calls, "connection_set_usable_by")).toEqual([]);
  });

  test("Adobe Campaign connections have no “who may use” column (every admin may use them)", async () => {
    mockBackend({ acting_admin: () => ana, connections_list: () => [campaignConnection] });
    await open("#/settings/campaign", "Adobe Campaign");
    const table = await screen.findByRole("table", { name: "Adobe Campaign connections" });
    expect(within(table).queryByRole("columnheader", { name: "Who may use it" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Change who may use/ })).not.toBeInTheDocument();
  });

  test("in Japanese", async () => {
    mockBackend({
      get_preferences: () => ({ language: "ja" }),
      acting_admin: () => ana,
      members_list: () => adminMembers,
      connections_list: () => [named],
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const table = await screen.findByRole("table", { name: "Dynamics 365 の接続" });
    expect(within(table).getByRole("columnheader", { name: "使用できるユーザー" })).toBeInTheDocument();
    expect(table).toHaveTextContent("指定したメンバー");
    expect(table).toHaveTextContent("と所有者");

    const form = await screen.findByRole("form", { name: "Dynamics 365 の接続を追加" });
    const usableBy = within(form).getByRole("group", { name: "この接続を使用できるユーザー" });
    expect(within(usableBy).getByRole("radio", { name: "管理者" })).toBeChecked();
    expect(usableBy).toHaveAccessibleDescription(
      "管理者: このワークスペースのすべての管理者。指定したメンバー: 指定した人とあなたのみ。",
    );
    await user.click(within(usableBy).getByRole("radio", { name: "指定したメンバー" }));
    const members = await within(form).findByRole("group", { name: "使用できるメンバー" });
    expect(
      within(members).getByRole("checkbox", { name: "Grace Hopper <grace@acme.example>" }),
    ).toHaveAccessibleDescription("管理者 · 有効");

    await user.click(screen.getByRole("button", { name: "Contoso Sales (production) を使用できるユーザーを変更" }));
    const dialog = screen.getByRole("dialog", { name: "「Contoso Sales (production)」を使用できるユーザー" });
    await user.click(within(dialog).getByRole("radio", { name: "指定したメンバー" }));
    for (const box of await within(dialog).findAllByRole("checkbox", { checked: true })) await user.click(box);
    await user.click(within(dialog).getByRole("button", { name: "保存" }));
    expect(within(dialog).getByText("メンバーを 1 人以上選択するか、管理者を選択してください。")).toBeInTheDocument();
  });
});

describe("Adobe Campaign", () => {
  test("connect_campaign gets the form values and the secret; empty addresses mean Adobe's defaults", async () => {
    let rows: ConnectionSummary[] = [];
    const calls = mockBackend({
      connections_list: () => rows,
      connect_campaign: () => {
        rows = [campaignConnection];
        return campaignConnection;
      },
    });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    expect(within(form).getByRole("textbox", { name: "API address" })).toHaveAccessibleDescription(
      /https:\/\/mc\.adobe\.io/,
    );
    expect(within(form).getByRole("textbox", { name: "IMS address" })).toHaveAccessibleDescription(
      /https:\/\/ims-na1\.adobelogin\.com/,
    );
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Acme Campaign");
    await user.type(within(form).getByRole("textbox", { name: "Organization ID" }), "acme");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "adobe-client");
    const secret = within(form).getByLabelText("Client secret");
    expect(secret).toHaveAttribute("type", "password");
    await user.type(secret, "p8-secret");
    const rate = within(form).getByRole("spinbutton", { name: "Calls per minute" });
    expect(rate).toHaveAccessibleDescription(/licence allows Liaison.*Empty: 600/);
    await user.type(rate, "3000");
    await user.click(within(form).getByRole("checkbox", { name: "Sandbox connection" }));

    await user.click(within(form).getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_campaign")).toHaveLength(1));
    expect(called(calls, "connect_campaign")[0]?.args).toEqual({
      request: {
        display_name: "Acme Campaign",
        base_url: "",
        ims_url: "",
        org_id: "acme",
        client_id: "adobe-client",
        is_sandbox: true,
        calls_per_minute: 3000,
      },
      client_secret: "p8-secret",
    });
    expect(await screen.findByRole("table", { name: "Adobe Campaign connections" })).toHaveTextContent("Acme Campaign");
    expect(within(form).getByLabelText("Client secret")).toHaveValue("");
  });

  test("marking a Campaign connection as the sandbox's fills in the sandbox's tenant and uses its secret", async () => {
    const calls = mockBackend({ connections_list: () => [], sandbox_info: () => sandboxInfo });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    await user.click(within(form).getByRole("checkbox", { name: "Sandbox connection" }));
    expect(within(form).getByRole("textbox", { name: "Organization ID" })).toHaveValue(sandboxInfo.campaign_org_id);
    expect(within(form).getByRole("textbox", { name: "API address" })).toHaveValue(sandboxInfo.campaign_base_url);
    expect(within(form).getByRole("textbox", { name: "Display name" })).toHaveValue("Adobe Campaign (Sandbox)");
    // No secret typed: the sandbox's own is used.
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_campaign")).toHaveLength(1));
    expect(called(calls, "connect_campaign")[0]?.args).toEqual({
      request: {
        display_name: "Adobe Campaign (Sandbox)",
        base_url: sandboxInfo.campaign_base_url,
        ims_url: sandboxInfo.campaign_ims_url,
        org_id: sandboxInfo.campaign_org_id,
        client_id: sandboxInfo.campaign_client_id,
        is_sandbox: true,
        calls_per_minute: null,
      },
      client_secret: null,
    });
  });

  test("custom API and IMS addresses are sent as typed", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "EU instance");
    await user.type(within(form).getByRole("textbox", { name: "API address" }), "https://mc-eu.adobe.io");
    await user.type(within(form).getByRole("textbox", { name: "IMS address" }), "https://ims-eu1.adobelogin.com");
    await user.type(within(form).getByRole("textbox", { name: "Organization ID" }), "acme-eu");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "cid");
    await user.type(within(form).getByLabelText("Client secret"), "secret");
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_campaign")).toHaveLength(1));
    expect(called(calls, "connect_campaign")[0]?.args).toMatchObject({
      request: {
        base_url: "https://mc-eu.adobe.io",
        ims_url: "https://ims-eu1.adobelogin.com",
        org_id: "acme-eu",
        is_sandbox: false,
      },
    });
  });

  test("missing required fields are named and nothing is called", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Acme Campaign");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "cid");
    await user.click(within(form).getByRole("button", { name: "Connect" }));

    expect(within(form).getByRole("textbox", { name: "Organization ID" })).toHaveFocus();
    expect(within(form).getByRole("textbox", { name: "Organization ID" })).toHaveAccessibleDescription(
      /^Enter the organization ID\./,
    );
    expect(within(form).getByLabelText("Client secret")).toHaveAccessibleDescription("Enter the client secret.");
    expect(within(form).getByLabelText("Client secret")).toBeInvalid();
    expect(within(form).getByRole("textbox", { name: "Display name" })).toBeValid();
    expect(called(calls, "connect_campaign")).toHaveLength(0);
  });

  test("a calls-per-minute figure outside 60 to 20,000 is named and nothing is called", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Acme Campaign");
    await user.type(within(form).getByRole("textbox", { name: "Organization ID" }), "acme");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "cid");
    await user.type(within(form).getByLabelText("Client secret"), "secret");
    const rate = within(form).getByRole("spinbutton", { name: "Calls per minute" });
    await user.type(rate, "30");
    await user.click(within(form).getByRole("button", { name: "Connect" }));

    expect(rate).toHaveFocus();
    expect(rate).toHaveAccessibleDescription(/^Give a whole number from 60 to 20,000, or leave it empty\./);
    expect(called(calls, "connect_campaign")).toHaveLength(0);

    await user.clear(rate);
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(called(calls, "connect_campaign")).toHaveLength(1));
    expect(called(calls, "connect_campaign")[0]?.args).toMatchObject({ request: { calls_per_minute: null } });
  });

  test("a rejected credential shows the backend message", async () => {
    mockBackend({
      connections_list: () => [],
      connect_campaign: failWith({
        code: "unauthorized",
        message: "Adobe IMS rejected the client secret.",
        details: null,
      }),
    });
    const user = await open("#/settings/campaign", "Adobe Campaign");
    const form = await screen.findByRole("form", { name: "Add an Adobe Campaign connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Acme Campaign");
    await user.type(within(form).getByRole("textbox", { name: "Organization ID" }), "acme");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "cid");
    await user.type(within(form).getByLabelText("Client secret"), "wrong");
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Adobe IMS rejected the client secret.");
  });
});

describe("Health check", () => {
  test("Check <name> shows each item with its icon, OK or Needs attention, and the backend's detail", async () => {
    let release: (report: HealthReport) => void = () => {};
    const calls = mockBackend({
      acting_admin: () => ana,
      connection_check: () => new Promise((resolve) => (release = resolve)),
    });
    const user = await open("#/settings/salesforce", "Salesforce");
    const production = connections[0]!;

    const check = await screen.findByRole("button", { name: "Check connection for Acme production org" });
    expect(check).toHaveTextContent("Check connection");
    expect(screen.getByRole("button", { name: "Check connection for Acme test org" })).toBeInTheDocument();
    await user.click(check);
    expect(called(calls, "connection_check").map((call) => call.args)).toEqual([{ connection_id: "c1" }]);

    const panel = screen.getByRole("region", { name: "Health of Acme production org" });
    expect(panel).toHaveAttribute("aria-busy", "true");
    expect(within(panel).getByRole("status")).toHaveTextContent("Checking Acme production org…");
    expect(check).toHaveAttribute("aria-disabled", "true");
    expect(check).toHaveFocus();
    // A second click while it runs does not start a second check.
    await user.click(check);
    expect(called(calls, "connection_check")).toHaveLength(1);

    release(healthReport(production));
    const list = await screen.findByRole("list", { name: "Health of Acme production org" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.querySelector(".health-title")?.textContent)).toEqual([
      "Sign-in and credentials",
      "Read contacts",
      "Read leads",
      "Log activities as tasks",
      "Daily API quota",
    ]);
    expect(items[0]).toHaveTextContent("✓");
    expect(items[0]).toHaveTextContent("OK");
    expect(items[0]).toHaveTextContent("Signed in as ana@acme.example.");
    expect(items[3]).toHaveTextContent("✗");
    expect(items[3]).toHaveTextContent("Needs attention");
    expect(items[3]).toHaveTextContent(healthItems.salesforce[3]!.detail);
    expect(items[3]).not.toHaveTextContent("OK");
    expect(within(panel).getByRole("status")).toHaveTextContent("1 of 5 checks need attention.");
    expect(panel).toHaveTextContent(/Checked at/);
    expect(within(panel).getByText((_, element) => element?.tagName === "TIME")).toHaveAttribute(
      "datetime",
      "2026-11-23T12:30:00Z",
    );
    expect(panel).toHaveAttribute("aria-busy", "false");
    expect(check).toHaveAttribute("aria-disabled", "false");
  });

  test("every connection page checks its own connections: Marketo, Dynamics 365, Adobe Campaign", async () => {
    const calls = mockBackend({
      acting_admin: () => ana,
      connections_list: () => [marketoConnection, dynamicsConnection, campaignConnection],
    });
    const user = await open("#/settings/marketo", "Marketo");
    await user.click(await screen.findByRole("button", { name: "Check connection for Acme Marketo" }));
    const marketo = await screen.findByRole("list", { name: "Health of Acme Marketo" });
    expect(
      within(marketo)
        .getAllByRole("listitem")
        .map((item) => item.querySelector(".health-title")?.textContent),
    ).toEqual(["Sign-in and credentials", "Read leads", "Read static lists", "Daily API quota"]);
    expect(screen.getByRole("region", { name: "Health of Acme Marketo" })).toHaveTextContent(
      "1 of 4 checks need attention.",
    );

    await user.click(screen.getByRole("link", { name: "Dynamics 365" }));
    await user.click(
      await screen.findByRole("button", { name: `Check connection for ${dynamicsConnection.display_name}` }),
    );
    const dynamics = await screen.findByRole("list", { name: `Health of ${dynamicsConnection.display_name}` });
    expect(dynamics).toHaveTextContent("Read marketing lists");
    expect(dynamics).toHaveTextContent("Liaison can read marketing lists.");
    expect(screen.getByRole("region", { name: `Health of ${dynamicsConnection.display_name}` })).toHaveTextContent(
      "All 3 checks passed.",
    );

    await user.click(screen.getByRole("link", { name: "Adobe Campaign" }));
    await user.click(await screen.findByRole("button", { name: "Check connection for Acme Campaign" }));
    const campaign = await screen.findByRole("list", { name: "Health of Acme Campaign" });
    expect(campaign).toHaveTextContent("Read subscription services");
    expect(called(calls, "connection_check").map((call) => call.args)).toEqual([
      { connection_id: "mk1" },
      { connection_id: "dy1" },
      { connection_id: "ac1" },
    ]);
  });

  test("an item key the UI does not know is shown by its key; a failed check shows the error", async () => {
    let fail = false;
    mockBackend({
      connection_check: (args) => {
        if (fail)
          throw { code: "not_found", message: "That connection does not exist or was disconnected.", details: null };
        return healthReport({ ...connections[1]!, id: args.connection_id as string }, [
          { key: "bulk_api", ok: true, detail: "Bulk API 2.0 is enabled." },
        ]);
      },
    });
    const user = await open("#/settings/salesforce", "Salesforce");
    await user.click(await screen.findByRole("button", { name: "Check connection for Acme test org" }));
    const list = await screen.findByRole("list", { name: "Health of Acme test org" });
    expect(within(list).getByRole("listitem")).toHaveTextContent("bulk_api");

    fail = true;
    await user.click(screen.getByRole("button", { name: "Check connection for Acme test org" }));
    const panel = screen.getByRole("region", { name: "Health of Acme test org" });
    expect(await within(panel).findByRole("alert")).toHaveTextContent(
      "That connection does not exist or was disconnected.",
    );
  });
});
