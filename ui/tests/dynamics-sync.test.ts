import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { AppError, DynamicsSettings, MatchBy, Person, Progress } from "../src/lib/api/bindings";
import {
  called,
  connections,
  counts,
  dynamicsConnection,
  failWith,
  mockBackend,
  people,
  syncOverview,
  syncSettings,
} from "./backend";

async function open(hash: string, heading: string) {
  window.history.replaceState(null, "", hash);
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: heading });
  return user;
}

function dynamicsSettings(matchBy: MatchBy): DynamicsSettings {
  return {
    org_url: "https://contoso.crm.dynamics.com",
    authority_url: "https://login.microsoftonline.com/organizations",
    client_id: "app-id",
    usable_by: { kind: "administrators" },
    user_id: "u1",
    organization_id: "o1",
    match_by: matchBy,
  };
}

describe("Matching people to Dynamics 365 contacts (R13)", () => {
  test("r13_connect_by_key_requires_field_and_attribute_then_sends_match_by", async () => {
    const calls = mockBackend({ connections_list: () => [] });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const form = await screen.findByRole("form", { name: "Add a Dynamics 365 connection" });
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso");
    await user.type(within(form).getByRole("textbox", { name: "Server address" }), "https://contoso.crm.dynamics.com");
    await user.type(within(form).getByRole("textbox", { name: "Application (client) ID" }), "app-id");

    const matching = within(form).getByRole("group", { name: "Match people to contacts by" });
    expect(within(matching).getByRole("radio", { name: "Email" })).toBeChecked();
    expect(within(form).queryByRole("combobox", { name: "Cached field" })).not.toBeInTheDocument();
    await user.click(within(matching).getByRole("radio", { name: "A field equal to a contact attribute" }));

    // Both halves of the key are needed before the browser opens.
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    expect(await within(form).findByText("Choose the cached field to match on.")).toBeInTheDocument();
    expect(within(form).getByText("Enter the contact attribute's logical name.")).toBeInTheDocument();
    expect(called(calls, "connect_dynamics")).toHaveLength(0);

    const field = within(form).getByRole("combobox", { name: "Cached field" });
    // The cached IDs and the text fields segments know (custom ones included), never email.
    await waitFor(() => expect(within(field).getByRole("option", { name: "Industry" })).toBeInTheDocument());
    expect(within(field).queryByRole("option", { name: "Email" })).not.toBeInTheDocument();
    await user.selectOptions(field, "Salesforce contact ID");
    const attribute = within(form).getByRole("textbox", { name: "Contact attribute (logical name)" });
    expect(attribute).toHaveAccessibleDescription(/new_customerid/);
    await user.type(attribute, " new_sfcontactid ");
    await user.click(within(form).getByRole("button", { name: "Sign in and connect" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Microsoft" })).getByRole("button", { name: "OK" }),
    );
    await waitFor(() => expect(called(calls, "connect_dynamics")).toHaveLength(1));
    expect((called(calls, "connect_dynamics")[0]!.args as { request: { match_by: MatchBy } }).request.match_by).toEqual(
      { kind: "key", field: "sf_contact_id", attribute: "new_sfcontactid" },
    );
  });

  test("r13_change_matching_saves_through_connection_set_match_by_and_shows_the_refusal_as_is", async () => {
    const refusal: AppError = {
      code: "invalid_input",
      message: "“new sfid” is not a Dynamics 365 attribute's logical name (lowercase letters, digits and _).",
      details: null,
    };
    let answer: (args: Record<string, unknown>) => unknown = failWith(refusal);
    const calls = mockBackend({
      connections_list: () => [...connections, dynamicsConnection],
      connection_set_match_by: (args) => answer(args),
    });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const table = await screen.findByRole("table", { name: "Dynamics 365 connections" });
    expect(within(table).getByRole("columnheader", { name: "Matching" })).toBeInTheDocument();
    // The list carries each connection's matching.
    expect(within(table).getByTestId("matching-dy1")).toHaveTextContent("By email");

    await user.click(within(table).getByRole("button", { name: "Change matching for Contoso Sales (production)" }));
    let dialog = screen.getByRole("dialog", { name: "Matching for Contoso Sales (production)" });
    await user.click(within(dialog).getByRole("radio", { name: "A field equal to a contact attribute" }));
    await user.selectOptions(within(dialog).getByRole("combobox", { name: "Cached field" }), "Marketo lead ID");
    await user.type(within(dialog).getByRole("textbox", { name: "Contact attribute (logical name)" }), "new sfid");
    await user.click(within(dialog).getByRole("button", { name: "Save matching" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(refusal.message);
    expect(called(calls, "connection_set_match_by").map((call) => call.args)).toEqual([
      { connection_id: "dy1", match_by: { kind: "key", field: "marketo_id", attribute: "new sfid" } },
    ]);

    answer = (args) => dynamicsSettings(args.match_by as MatchBy);
    const attribute = within(dialog).getByRole("textbox", { name: "Contact attribute (logical name)" });
    await user.clear(attribute);
    await user.type(attribute, "new_marketoid");
    await user.click(within(dialog).getByRole("button", { name: "Save matching" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(screen.getByText("Matching saved for Contoso Sales (production).")).toHaveAttribute("role", "status");
    expect(within(table).getByTestId("matching-dy1")).toHaveTextContent(
      "Marketo lead ID equals the contact attribute new_marketoid",
    );

    // Reopened, the dialog starts from what was saved; back to email.
    await user.click(within(table).getByRole("button", { name: "Change matching for Contoso Sales (production)" }));
    dialog = screen.getByRole("dialog", { name: "Matching for Contoso Sales (production)" });
    expect(within(dialog).getByRole("textbox", { name: "Contact attribute (logical name)" })).toHaveValue(
      "new_marketoid",
    );
    await user.click(within(dialog).getByRole("radio", { name: "Email" }));
    await user.click(within(dialog).getByRole("button", { name: "Save matching" }));
    await waitFor(() => expect(within(table).getByTestId("matching-dy1")).toHaveTextContent("By email"));
    expect(called(calls, "connection_set_match_by").at(-1)!.args).toEqual({
      connection_id: "dy1",
      match_by: { kind: "email" },
    });
  });

  test("a key without an attribute is refused in the dialog before anything is sent", async () => {
    const calls = mockBackend({ connections_list: () => [dynamicsConnection] });
    const user = await open("#/settings/dynamics", "Dynamics 365");
    const table = await screen.findByRole("table", { name: "Dynamics 365 connections" });
    await user.click(within(table).getByRole("button", { name: "Change matching for Contoso Sales (production)" }));
    const dialog = screen.getByRole("dialog", { name: "Matching for Contoso Sales (production)" });
    await user.click(within(dialog).getByRole("radio", { name: "A field equal to a contact attribute" }));
    await user.selectOptions(within(dialog).getByRole("combobox", { name: "Cached field" }), "Industry");
    await user.click(within(dialog).getByRole("button", { name: "Save matching" }));
    const attribute = within(dialog).getByRole("textbox", { name: "Contact attribute (logical name)" });
    await waitFor(() => expect(attribute).toHaveFocus());
    expect(attribute).toHaveAccessibleDescription(/Enter the contact attribute's logical name\./);
    expect(called(calls, "connection_set_match_by")).toHaveLength(0);
  });
});

describe("Dynamics 365 in the data sync", () => {
  test("the field preview has a Dynamics 365 column with each field's contact attribute", async () => {
    mockBackend();
    const user = await open("#/settings/sync", "Data sync");
    await user.click(await screen.findByRole("button", { name: "Sync" }));
    const table = await screen.findByRole("table", { name: "Fields to sync" });
    expect(within(table).getByRole("columnheader", { name: "Dynamics 365 contact attribute" })).toBeInTheDocument();
    expect(within(table).getByRole("row", { name: /First name/ })).toHaveTextContent("firstname");
    expect(within(table).getByRole("row", { name: /Customer tier/ })).toHaveTextContent("new_customertier");
  });

  test("the sync settings say which Dynamics 365 connection's contacts are read", async () => {
    const second = { ...dynamicsConnection, id: "dy2", display_name: "Contoso EU" };
    const calls = mockBackend({
      connections_list: () => [...connections, dynamicsConnection, second],
      sync_settings_save: (args) => args.settings,
    });
    const user = await open("#/settings/sync", "Data sync");
    const select = await screen.findByRole("combobox", { name: "Dynamics 365 contacts from" });
    expect(select).toHaveValue("");
    expect(
      within(select)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["The only Dynamics connection", "Contoso Sales (production)", "Contoso EU"]);
    await user.selectOptions(select, "Contoso EU");
    await user.click(screen.getByRole("button", { name: "Save sync settings" }));
    expect(await screen.findByText("Sync settings saved")).toBeInTheDocument();
    expect(called(calls, "sync_settings_save").map((call) => call.args)).toEqual([
      { settings: { ...syncSettings, dynamics_connection: "dy2" } },
    ]);
  });

  test("without a Dynamics 365 connection the choice is not offered", async () => {
    mockBackend({ connections_list: () => connections });
    await open("#/settings/sync", "Data sync");
    await screen.findByRole("button", { name: "Save sync settings" });
    expect(screen.queryByRole("combobox", { name: "Dynamics 365 contacts from" })).not.toBeInTheDocument();
  });

  test("the progress names the Dynamics 365 phase", async () => {
    const current: Progress = {
      run_id: "sync-3",
      full: true,
      state: "running",
      phase: "dynamics_contacts",
      fraction: 0.5,
      counts: counts({ fetched: 10 }),
      message: null,
    };
    mockBackend({ sync_status: () => ({ ...syncOverview, running: true, current }) });
    await open("#/settings/sync", "Data sync");
    const bar = await screen.findByRole("progressbar", { name: "Sync progress" });
    expect(bar.getAttribute("aria-valuetext")).toContain("Loading Dynamics 365 contacts");
  });
});

describe("People and their Dynamics 365 contacts (R13)", () => {
  const more: Person[] = [
    {
      ...people[0]!,
      email: "chika@example.jp",
      first_name: "Chika",
      dyn_contact_id: null,
      dynamics: { connection_id: "dy1", by: { kind: "email" }, result: { kind: "no_contact" } },
    },
    {
      ...people[0]!,
      email: "dan@example.jp",
      first_name: "Dan",
      dyn_contact_id: "c-9",
      dynamics: {
        connection_id: "dy1",
        by: { kind: "key", field: "sf_contact_id", attribute: "new_sfid" },
        result: { kind: "inactive", contact_id: "c-9" },
      },
    },
    {
      ...people[0]!,
      email: "eri@example.jp",
      first_name: "Eri",
      dyn_contact_id: "c-10",
      dynamics: {
        connection_id: "dy1",
        by: { kind: "key", field: "sf_contact_id", attribute: "new_sfid" },
        result: { kind: "matched", contact_id: "c-10" },
      },
    },
  ];

  test("r13_people_show_each_persons_contact_id_and_how_it_was_matched", async () => {
    mockBackend({ people_search: () => [...people, ...more] });
    const user = await open("#/settings/people", "People");
    const table = await screen.findByRole("table", { name: "People" });
    expect(within(table).getByRole("columnheader", { name: "Dynamics 365 match" })).toBeInTheDocument();
    const row = (email: string) => within(table).getByRole("row", { name: new RegExp(email.replace(".", "\\.")) });
    expect(row("aiko.tanaka@example.jp")).toHaveTextContent("Matched by email");
    expect(row("aiko.tanaka@example.jp")).toHaveTextContent("Dynamics 365");
    expect(row("ben.lee@acme.example")).toHaveTextContent("Ambiguous (2 contacts)");
    expect(row("chika@example.jp")).toHaveTextContent("No contact");
    expect(row("dan@example.jp")).toHaveTextContent("Inactive contact");
    expect(row("eri@example.jp")).toHaveTextContent("Matched by Salesforce contact ID = new_sfid");

    await user.click(screen.getByRole("button", { name: "Details for aiko.tanaka@example.jp" }));
    expect(screen.getByTestId("dyn-contact-id")).toHaveTextContent("5f1c2a4e-0000-4000-8000-000000000001");
    expect(screen.getByTestId("dyn-match")).toHaveTextContent("Matched by email");
    await user.click(screen.getByRole("button", { name: "Close details" }));

    // Ambiguous: both candidates are named, none is picked.
    await user.click(screen.getByRole("button", { name: "Details for ben.lee@acme.example" }));
    expect(screen.getByTestId("dyn-contact-id")).toHaveTextContent(
      "5f1c2a4e-0000-4000-8000-000000000002, 5f1c2a4e-0000-4000-8000-000000000003",
    );
    expect(screen.getByTestId("dyn-match")).toHaveTextContent("Ambiguous (2 contacts)");
  });

  test("without a Dynamics 365 source the column is not shown", async () => {
    mockBackend({ people_search: () => people.map((person) => ({ ...person, dyn_contact_id: null, dynamics: null })) });
    await open("#/settings/people", "People");
    const table = await screen.findByRole("table", { name: "People" });
    expect(within(table).queryByRole("columnheader", { name: "Dynamics 365 match" })).not.toBeInTheDocument();
  });

  test("in Japanese", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }), people_search: () => people });
    window.history.replaceState(null, "", "#/settings/people");
    render(App);
    const table = await screen.findByRole("table", { name: "ユーザー" });
    expect(within(table).getByRole("columnheader", { name: "Dynamics 365 との照合" })).toBeInTheDocument();
    expect(table).toHaveTextContent("メールアドレスで照合済み");
    expect(table).toHaveTextContent("あいまい (取引先担当者 2 件)");
  });
});
