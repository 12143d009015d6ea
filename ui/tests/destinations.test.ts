import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { ConnectionSummary } from "../src/lib/api/bindings";
import {
  called,
  connections,
  deleteConfirmation,
  dynamicsConnection,
  dynamicsDestination,
  failWith,
  marketoConnection,
  mockBackend,
  privacyNotice,
  withDynamics,
} from "./backend";

/** The workspace has a Marketo connection (mk1, “Acme Marketo”) besides the Salesforce ones. */
const withMarketo = { connections_list: () => [...connections, marketoConnection] };

async function openDestinations(language: "en" | "ja" = "en") {
  window.history.replaceState(null, "", "#/settings/exports");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: language === "en" ? "Exports" : "エクスポート" });
  return user;
}

async function openForm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Add destination" }));
  const form = await screen.findByRole("form", { name: "Add a Marketo destination" });
  await within(form).findByText(privacyNotice);
  return form;
}

function cells(row: HTMLElement): string[] {
  return Array.from(row.querySelectorAll("th, td"), (cell) => cell.textContent?.replace(/\s+/g, " ").trim() ?? "");
}

describe("Destinations table", () => {
  test("Destinations is the first tab, before Segments, Exports and Runs, and opens with the page", async () => {
    mockBackend(withMarketo);
    await openDestinations();
    const tabs = screen.getByRole("tablist", { name: "Exports sections" });
    expect(
      within(tabs)
        .getAllByRole("tab")
        .map((tab) => tab.textContent?.trim()),
    ).toEqual(["Destinations", "Segments", "Exports", "Runs"]);
    expect(within(tabs).getByRole("tab", { name: "Destinations" })).toHaveAttribute("aria-selected", "true");
  });

  test("lists each destination's list, how it is reached (never a secret), the privacy acceptance and export users", async () => {
    const calls = mockBackend(withMarketo);
    await openDestinations();
    const table = await screen.findByRole("table", { name: "Export destinations" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent?.trim()),
    ).toEqual(["Name", "Kind", "List", "Reached through", "Privacy notice accepted", "Export users", "Actions"]);

    const [viaConnection, viaOwn] = within(table).getAllByRole("row").slice(1);
    const first = cells(viaConnection!);
    expect(first.slice(0, 4)).toEqual([
      "JP newsletter",
      "Marketo",
      "Newsletter – Japan ID 1042",
      "Connection “Acme Marketo”",
    ]);
    expect(first[4]).toMatch(/^ana@acme\.example /);
    expect(
      within(viaConnection!)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["ana@acme.example", "grace@acme.example"]);
    expect(viaConnection!.querySelector("time")).toHaveAttribute("datetime", "2026-11-24T09:00:00Z");

    const second = cells(viaOwn!);
    expect(second[2]).toBe("Webinar partners 2026 ID 2077");
    expect(second[3]).toBe("Own API credentials https://123-ABC-456.mktorest.com Client ID partner-client-7");
    expect(second[4]).toMatch(/^grace@acme\.example /);
    expect(viaOwn!.querySelector("time")).toHaveAttribute("datetime", "2026-11-25T14:30:00Z");

    expect(within(viaConnection!).getByRole("button", { name: "Add an export user to JP newsletter" })).toBeVisible();
    expect(within(viaConnection!).getByRole("button", { name: "Delete destination JP newsletter" })).toBeVisible();
    expect(called(calls, "export_destinations_list")).toHaveLength(1);
  });

  test("without destinations the tab says so", async () => {
    mockBackend({ ...withMarketo, export_destinations_list: () => [] });
    await openDestinations();
    expect(await screen.findByText("No destination yet.")).toBeInTheDocument();
  });

  test("a list that cannot be read shows the backend's error", async () => {
    mockBackend({
      ...withMarketo,
      export_destinations_list: failWith({
        code: "store_unavailable",
        message: "The workspace database is locked by another Liaison.",
        details: null,
      }),
    });
    await openDestinations();
    expect(await screen.findByRole("alert")).toHaveTextContent("The workspace database is locked by another Liaison.");
  });
});

describe("Add destination", () => {
  test("the privacy notice is shown in full and Save stays disabled until it is accepted", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);
    expect(within(form).getByRole("heading", { level: 2, name: "Add a Marketo destination" })).toHaveFocus();
    expect(within(form).getByRole("region", { name: "Data privacy and compliance" })).toHaveTextContent(privacyNotice);

    const save = within(form).getByRole("button", { name: "Save destination" });
    const accept = within(form).getByRole("checkbox", {
      name: "I have read and accept the data privacy and compliance notice.",
    });
    expect(accept).not.toBeChecked();
    expect(accept).toHaveAccessibleDescription(privacyNotice);
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription("Accept the data privacy notice to save.");

    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Webinar");
    await user.type(within(form).getByRole("textbox", { name: "Static list ID" }), "1042");
    await user.click(save);
    expect(called(calls, "export_destination_add_marketo")).toEqual([]);

    await user.click(accept);
    expect(save).toBeEnabled();
    await user.click(accept);
    expect(save).toBeDisabled();
  });

  test("saving with the workspace's Marketo connection sends its ID and no secret, then shows the list's name", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);

    const via = within(form).getByRole("group", { name: "How Liaison reaches Marketo" });
    expect(within(via).getByRole("radio", { name: "Use this workspace's Marketo connection" })).toBeChecked();
    const select = within(form).getByRole("combobox", { name: "Marketo connection" });
    expect(
      within(select)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["Acme Marketo"]);
    expect(within(form).queryByLabelText("Client secret")).not.toBeInTheDocument();

    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Webinar attendees");
    await user.type(within(form).getByRole("textbox", { name: "Static list ID" }), "3001");
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));

    expect(called(calls, "export_destination_add_marketo").map((call) => call.args)).toEqual([
      {
        destination: {
          name: "Webinar attendees",
          list_id: "3001",
          connection_id: "mk1",
          base_url: null,
          client_id: null,
          accept_privacy_notice: true,
        },
        client_secret: null,
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      "Saved: list “Webinar attendees” (ID 3001) as the destination “Webinar attendees”.",
    );
    expect(screen.queryByRole("form", { name: "Add a Marketo destination" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Add destination" })).toHaveFocus();
    await waitFor(() => expect(called(calls, "export_destinations_list")).toHaveLength(2));
  });

  test("saving with own API credentials sends the endpoint, client ID and the secret", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);

    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Partner list");
    await user.click(within(form).getByRole("radio", { name: "Own API credentials" }));
    expect(within(form).queryByRole("combobox", { name: "Marketo connection" })).not.toBeInTheDocument();
    await user.type(within(form).getByRole("textbox", { name: "REST endpoint host" }), "123-ABC-456");
    await user.type(within(form).getByRole("textbox", { name: "Client ID" }), "partner-client-7");
    const secret = within(form).getByLabelText("Client secret");
    expect(secret).toHaveAttribute("type", "password");
    await user.type(secret, "s3cret");
    await user.type(within(form).getByRole("textbox", { name: "Static list ID" }), " 2077 ");
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));

    expect(called(calls, "export_destination_add_marketo").map((call) => call.args)).toEqual([
      {
        destination: {
          name: "Partner list",
          list_id: "2077",
          connection_id: null,
          base_url: "123-ABC-456",
          client_id: "partner-client-7",
          accept_privacy_notice: true,
        },
        client_secret: "s3cret",
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent("Saved: list “Webinar attendees” (ID 2077)");
  });

  test("without a Marketo connection only own credentials can be chosen", async () => {
    mockBackend();
    const user = await openDestinations();
    const form = await openForm(user);
    const useConnection = within(form).getByRole("radio", { name: "Use this workspace's Marketo connection" });
    expect(useConnection).toBeDisabled();
    expect(useConnection).toHaveAccessibleDescription(/no Marketo connection yet/);
    expect(within(form).getByRole("radio", { name: "Own API credentials" })).toBeChecked();
    expect(within(form).getByRole("textbox", { name: "REST endpoint host" })).toBeInTheDocument();
  });

  test("missing fields are named and focused before anything is sent", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));

    const name = within(form).getByRole("textbox", { name: "Display name" });
    expect(name).toHaveFocus();
    expect(name).toHaveAccessibleDescription(/^Enter a display name\./);
    expect(within(form).getByRole("textbox", { name: "Static list ID" })).toHaveAccessibleDescription(
      /^Enter the static list ID\./,
    );
    expect(called(calls, "export_destination_add_marketo")).toEqual([]);
  });

  test("a backend error is shown in the form, which keeps what was entered", async () => {
    mockBackend({
      ...withMarketo,
      export_destination_add_marketo: failWith({
        code: "not_found",
        message: "Marketo has no static list 999, or the API user cannot see it.",
        details: null,
      }),
    });
    const user = await openDestinations();
    const form = await openForm(user);
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Webinar");
    await user.type(within(form).getByRole("textbox", { name: "Static list ID" }), "999");
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));

    expect(await within(form).findByRole("alert")).toHaveTextContent(
      "Marketo has no static list 999, or the API user cannot see it.",
    );
    expect(within(form).getByRole("alert")).toHaveTextContent("Error code: not_found");
    expect(within(form).getByRole("textbox", { name: "Static list ID" })).toHaveValue("999");
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  test("Cancel closes the form without saving", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);
    await user.click(within(form).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Add destination" })).toHaveFocus();
    expect(called(calls, "export_destination_add_marketo")).toEqual([]);
  });
});

describe("Per destination", () => {
  test("Delete shows the backend's confirmation text, then deletes and reloads the table", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    await user.click(await screen.findByRole("button", { name: "Delete destination JP newsletter" }));

    const dialog = await screen.findByRole("dialog", { name: "Delete the destination “JP newsletter”?" });
    expect(called(calls, "export_destination_delete_confirmation").map((call) => call.args)).toEqual([
      { name: "JP newsletter" },
    ]);
    expect(dialog).toHaveTextContent(deleteConfirmation("JP newsletter"));
    expect(dialog).toHaveTextContent("stays in Marketo as it is");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    expect(called(calls, "export_destination_delete")).toEqual([]);

    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(called(calls, "export_destination_delete").map((call) => call.args)).toEqual([{ name: "JP newsletter" }]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      "Destination “JP newsletter” deleted. Its list was left as it is.",
    );
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await waitFor(() => expect(called(calls, "export_destinations_list")).toHaveLength(2));
  });

  test("cancelling the delete sends nothing and returns focus to the row's Delete", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    const button = await screen.findByRole("button", { name: "Delete destination Partner webinar" });
    await user.click(button);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(button).toHaveFocus();
    expect(called(calls, "export_destination_delete")).toEqual([]);
  });

  test("a refused delete shows the backend's error", async () => {
    mockBackend({
      ...withMarketo,
      export_destination_delete: failWith({
        code: "forbidden",
        message: "Only the export users of “JP newsletter” may change it or run its exports.",
        details: null,
      }),
    });
    const user = await openDestinations();
    await user.click(await screen.findByRole("button", { name: "Delete destination JP newsletter" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Only the export users of “JP newsletter” may change it or run its exports.",
    );
  });

  test("Add export user sends the email, announces it and reloads the table", async () => {
    const calls = mockBackend(withMarketo);
    const user = await openDestinations();
    await user.click(await screen.findByRole("button", { name: "Add an export user to Partner webinar" }));

    const dialog = screen.getByRole("dialog", { name: "Add an export user to “Partner webinar”" });
    const email = within(dialog).getByLabelText("Admin's email");
    expect(email).toHaveFocus();
    expect(within(dialog).getByRole("button", { name: "Add" })).toBeDisabled();
    await user.type(email, "linus@acme.example{Enter}");

    expect(called(calls, "export_destination_add_user").map((call) => call.args)).toEqual([
      { name: "Partner webinar", email: "linus@acme.example" },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      "linus@acme.example is now an export user of “Partner webinar”.",
    );
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await waitFor(() => expect(called(calls, "export_destinations_list")).toHaveLength(2));
  });

  test("a refused export user keeps the dialog open with the backend's reason", async () => {
    mockBackend({
      ...withMarketo,
      export_destination_add_user: failWith({
        code: "invalid_input",
        message: "taro@acme.example is not an active admin of this workspace, so it cannot be an export user.",
        details: null,
      }),
    });
    const user = await openDestinations();
    await user.click(await screen.findByRole("button", { name: "Add an export user to JP newsletter" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Admin's email"), "taro@acme.example");
    await user.click(within(dialog).getByRole("button", { name: "Add" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "taro@acme.example is not an active admin of this workspace",
    );
  });
});

describe("Destinations in Japanese", () => {
  test("the tab, table and form are Japanese; the notice is shown as the backend sent it", async () => {
    const notice = "データプライバシーとコンプライアンス：エクスポートを行うと、個人データが送信されます。";
    mockBackend({ ...withMarketo, get_preferences: () => ({ language: "ja" }), export_privacy_notice: () => notice });
    const user = await openDestinations("ja");
    expect(screen.getByRole("tab", { name: "エクスポート先" })).toHaveAttribute("aria-selected", "true");
    expect(await screen.findByRole("table", { name: "エクスポート先" })).toHaveTextContent("接続「Acme Marketo」");

    await user.click(screen.getByRole("button", { name: "エクスポート先を追加" }));
    const form = await screen.findByRole("form", { name: "Marketo のエクスポート先を追加" });
    expect(await within(form).findByText(notice)).toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "エクスポート先を保存" })).toBeDisabled();
    await user.click(within(form).getByRole("checkbox", { name: /読み、同意します/ }));
    expect(within(form).getByRole("button", { name: "エクスポート先を保存" })).toBeEnabled();
  });
});

describe("Dynamics 365 destinations", () => {
  const guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

  /** Opens the form and chooses the Dynamics 365 type. */
  async function openDynamicsForm(user: ReturnType<typeof userEvent.setup>) {
    const form = await openForm(user);
    await user.click(within(form).getByRole("radio", { name: "Dynamics 365 marketing list" }));
    expect(form).toHaveAccessibleName("Add a Dynamics 365 destination");
    return form;
  }

  test("the table shows a Dynamics list's name and ID, that Liaison created it, and its connection", async () => {
    mockBackend(withDynamics);
    await openDestinations();
    const table = await screen.findByRole("table", { name: "Export destinations" });
    const row = within(table).getByRole("row", { name: /Contoso newsletter/ });
    expect(cells(row).slice(0, 4)).toEqual([
      "Contoso newsletter",
      "Dynamics 365",
      `Newsletter – Contoso ID ${dynamicsDestination.dynamics!.list_id} Created by Liaison`,
      `Connection “${dynamicsConnection.display_name}”`,
    ]);
    // A Marketo row has no such tag.
    expect(within(table).getByRole("row", { name: /JP newsletter/ })).not.toHaveTextContent("Created by Liaison");
  });

  test("without a Dynamics connection the type is not offered; the form says so and links to connecting one", async () => {
    mockBackend(withMarketo);
    const user = await openDestinations();
    const form = await openForm(user);
    expect(within(form).queryByRole("group", { name: "Destination type" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("radio", { name: "Dynamics 365 marketing list" })).not.toBeInTheDocument();
    expect(form).toHaveTextContent("needs a Dynamics 365 connection, and this workspace has none yet");
    expect(within(form).getByRole("link", { name: "Connect Dynamics 365" })).toHaveAttribute(
      "href",
      "#/settings/dynamics",
    );
  });

  test("r13_with_no_dynamics_connection_this_admin_may_use_the_type_is_not_offered_and_a_line_says_why", async () => {
    // The workspace has one, but its owner named other people (seed 003: the section is hidden).
    const calls = mockBackend({ ...withDynamics, usable_connections: () => [] });
    const user = await openDestinations();
    // The table still names the connection an existing destination goes through.
    const table = await screen.findByRole("table", { name: "Export destinations" });
    expect(within(table).getByRole("row", { name: /Contoso newsletter/ })).toHaveTextContent(
      `Connection “${dynamicsConnection.display_name}”`,
    );
    const form = await openForm(user);
    expect(called(calls, "usable_connections").map((call) => call.args)).toEqual([{ kind: "dynamics" }]);
    expect(within(form).queryByRole("group", { name: "Destination type" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("radio", { name: "Dynamics 365 marketing list" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("combobox", { name: "Dynamics 365 connection" })).not.toBeInTheDocument();
    expect(form).toHaveTextContent(
      "Dynamics 365 marketing lists are not offered: you may use none of this workspace's Dynamics 365 connections.",
    );
    expect(within(form).queryByRole("link", { name: "Connect Dynamics 365" })).not.toBeInTheDocument();
  });

  test("r13_only_the_dynamics_connections_this_admin_may_use_are_offered", async () => {
    const fabrikam: ConnectionSummary = {
      ...dynamicsConnection,
      id: "dy2",
      display_name: "Fabrikam Sales",
      owner: "grace@acme.example",
      usable_by: { kind: "members", emails: ["ana@acme.example"] },
    };
    const calls = mockBackend({
      ...withDynamics,
      connections_list: () => [...connections, marketoConnection, dynamicsConnection, fabrikam],
      usable_connections: (args) => (args.kind === "dynamics" ? [fabrikam] : []),
    });
    const user = await openDestinations();
    const form = await openForm(user);
    await user.click(within(form).getByRole("radio", { name: "Dynamics 365 marketing list" }));
    const connection = within(form).getByRole("combobox", { name: "Dynamics 365 connection" });
    expect(
      within(connection)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["Fabrikam Sales"]);
    expect(connection).toHaveValue("dy2");

    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Fabrikam events");
    await user.type(within(form).getByRole("textbox", { name: "List ID" }), guid);
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    expect(called(calls, "export_destination_add_dynamics").map((call) => call.args)).toEqual([
      {
        destination: {
          name: "Fabrikam events",
          connection_id: "dy2",
          list_id: guid,
          new_list: null,
          accept_privacy_notice: true,
        },
      },
    ]);
  });

  test("r13_the_line_that_says_why_is_japanese_too", async () => {
    mockBackend({ ...withDynamics, usable_connections: () => [], get_preferences: () => ({ language: "ja" }) });
    const user = await openDestinations("ja");
    await user.click(await screen.findByRole("button", { name: "エクスポート先を追加" }));
    const form = await screen.findByRole("form", { name: "Marketo のエクスポート先を追加" });
    expect(within(form).queryByRole("group", { name: "エクスポート先の種類" })).not.toBeInTheDocument();
    expect(form).toHaveTextContent(
      "Dynamics 365 のマーケティングリストは選択できません。このワークスペースの Dynamics 365 接続のうち、あなたが使用できるものがないためです。",
    );
  });

  test("an existing list: only Dynamics connections are offered, the GUID and the acceptance are sent", async () => {
    const calls = mockBackend(withDynamics);
    const user = await openDestinations();
    const form = await openForm(user);
    const type = within(form).getByRole("group", { name: "Destination type" });
    expect(within(type).getByRole("radio", { name: "Marketo static list" })).toBeChecked();

    await user.click(within(type).getByRole("radio", { name: "Dynamics 365 marketing list" }));
    expect(within(form).getByRole("heading", { level: 2 })).toHaveTextContent("Add a Dynamics 365 destination");
    expect(within(form).queryByRole("group", { name: "How Liaison reaches Marketo" })).not.toBeInTheDocument();
    expect(within(form).queryByRole("textbox", { name: "Static list ID" })).not.toBeInTheDocument();
    const connection = within(form).getByRole("combobox", { name: "Dynamics 365 connection" });
    expect(
      within(connection)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual([dynamicsConnection.display_name]);
    const list = within(form).getByRole("group", { name: "Marketing list" });
    expect(within(list).getByRole("radio", { name: "Use an existing static contact list" })).toBeChecked();
    expect(within(form).getByRole("region", { name: "Data privacy and compliance" })).toHaveTextContent(privacyNotice);

    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso events");
    await user.type(within(form).getByRole("textbox", { name: "List ID" }), ` ${guid} `);
    const save = within(form).getByRole("button", { name: "Save destination" });
    expect(save).toBeDisabled();
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(save);

    expect(called(calls, "export_destination_add_marketo")).toEqual([]);
    expect(called(calls, "export_destination_add_dynamics").map((call) => call.args)).toEqual([
      {
        destination: {
          name: "Contoso events",
          connection_id: "dy1",
          list_id: guid,
          new_list: null,
          accept_privacy_notice: true,
        },
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      `Saved: list “Contoso events” (ID ${guid}) as the destination “Contoso events”.`,
    );
    expect(screen.getByRole("button", { name: "Add destination" })).toHaveFocus();
    await waitFor(() => expect(called(calls, "export_destinations_list")).toHaveLength(2));
  });

  test("a list ID that is not a GUID is named and focused before anything is sent; braces are fine", async () => {
    const calls = mockBackend(withDynamics);
    const user = await openDestinations();
    const form = await openDynamicsForm(user);
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso events");
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    const save = within(form).getByRole("button", { name: "Save destination" });

    await user.click(save);
    const listId = within(form).getByRole("textbox", { name: "List ID" });
    expect(listId).toHaveFocus();
    expect(listId).toHaveAccessibleDescription(/^Enter the list ID\./);

    await user.type(listId, "1042");
    expect(listId).toHaveAccessibleDescription(/^The list ID is a GUID: 32 hexadecimal digits in groups of 8-4-4-4-12/);
    expect(listId).toHaveAttribute("aria-invalid", "true");
    await user.click(save);
    expect(listId).toHaveFocus();
    expect(called(calls, "export_destination_add_dynamics")).toEqual([]);

    await user.clear(listId);
    await user.type(listId, `{{${guid.toUpperCase()}}`);
    expect(listId).not.toHaveAttribute("aria-invalid");
    await user.click(save);
    expect(called(calls, "export_destination_add_dynamics").map((call) => call.args)).toEqual([
      {
        destination: expect.objectContaining({ list_id: `{${guid.toUpperCase()}}`, new_list: null }),
      },
    ]);
  });

  test("a new list: its name (at most 128 characters) is sent instead of an ID, and the status says it was created", async () => {
    const calls = mockBackend(withDynamics);
    const user = await openDestinations();
    const form = await openDynamicsForm(user);
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Contoso spring");
    await user.click(within(form).getByRole("radio", { name: "Create a new list" }));
    expect(within(form).queryByRole("textbox", { name: "List ID" })).not.toBeInTheDocument();
    const listName = within(form).getByRole("textbox", { name: "New list name" });
    expect(listName).toHaveAccessibleDescription(/creates a static contact list with this name in Dynamics 365/);
    await user.click(listName);
    await user.paste("x".repeat(129));
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    expect(listName).toHaveFocus();
    expect(listName).toHaveAccessibleDescription(/^The list name may have at most 128 characters \(129 entered\)\./);
    expect(called(calls, "export_destination_add_dynamics")).toEqual([]);

    await user.clear(listName);
    await user.type(listName, "Spring webinar 2027");
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    expect(called(calls, "export_destination_add_dynamics").map((call) => call.args)).toEqual([
      {
        destination: {
          name: "Contoso spring",
          connection_id: "dy1",
          list_id: null,
          new_list: "Spring webinar 2027",
          accept_privacy_notice: true,
        },
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent(
      "Created the list “Spring webinar 2027” (ID 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d) in Dynamics 365 and saved it as the destination “Contoso spring”.",
    );
  });

  test("the backend's refusal is shown as it is, and the form keeps what was entered", async () => {
    const refusal = "The marketing list “Partners” is locked in Dynamics 365. Unlock it there, or choose another list.";
    mockBackend({
      ...withDynamics,
      export_destination_add_dynamics: failWith({ code: "invalid_input", message: refusal, details: null }),
    });
    const user = await openDestinations();
    const form = await openDynamicsForm(user);
    await user.type(within(form).getByRole("textbox", { name: "Display name" }), "Partners");
    await user.type(within(form).getByRole("textbox", { name: "List ID" }), guid);
    await user.click(within(form).getByRole("checkbox", { name: /I have read and accept/ }));
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent(refusal);
    expect(alert).toHaveTextContent("Error code: invalid_input");
    expect(within(form).getByRole("textbox", { name: "List ID" })).toHaveValue(guid);
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  test("the type, connection and list choices work from the keyboard", async () => {
    const calls = mockBackend(withDynamics);
    const user = await openDestinations();
    const form = await openForm(user);
    const marketo = within(form).getByRole("radio", { name: "Marketo static list" });
    marketo.focus();
    await user.keyboard("{ArrowDown}");
    expect(within(form).getByRole("radio", { name: "Dynamics 365 marketing list" })).toBeChecked();
    await user.tab();
    await user.keyboard("Keyboard list");
    await user.tab();
    expect(within(form).getByRole("combobox", { name: "Dynamics 365 connection" })).toHaveFocus();
    await user.tab();
    expect(within(form).getByRole("radio", { name: "Use an existing static contact list" })).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(within(form).getByRole("radio", { name: "Create a new list" })).toBeChecked();
    await user.tab();
    await user.keyboard("Keyboard list");
    await user.tab();
    await user.keyboard(" ");
    expect(within(form).getByRole("checkbox", { name: /I have read and accept/ })).toBeChecked();
    await user.keyboard("{Enter}");
    expect(called(calls, "export_destination_add_dynamics").map((call) => call.args)).toEqual([
      {
        destination: expect.objectContaining({
          name: "Keyboard list",
          connection_id: "dy1",
          new_list: "Keyboard list",
        }),
      },
    ]);
  });

  test("deleting a Dynamics destination shows the backend's words: the marketing list stays in Dynamics 365", async () => {
    const calls = mockBackend(withDynamics);
    const user = await openDestinations();
    await user.click(await screen.findByRole("button", { name: "Delete destination Contoso newsletter" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete the destination “Contoso newsletter”?" });
    expect(dialog).toHaveTextContent(deleteConfirmation("Contoso newsletter"));
    expect(dialog).toHaveTextContent("stays in Dynamics 365 as it is");
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(called(calls, "export_destination_delete").map((call) => call.args)).toEqual([
      { name: "Contoso newsletter" },
    ]);
  });

  test("in Japanese", async () => {
    mockBackend({ ...withDynamics, get_preferences: () => ({ language: "ja" }) });
    const user = await openDestinations("ja");
    const table = await screen.findByRole("table", { name: "エクスポート先" });
    expect(within(table).getByRole("row", { name: /Contoso newsletter/ })).toHaveTextContent("Liaison が作成");
    await user.click(screen.getByRole("button", { name: "エクスポート先を追加" }));
    const form = await screen.findByRole("form", { name: "Marketo のエクスポート先を追加" });
    const type = within(form).getByRole("group", { name: "エクスポート先の種類" });
    await user.click(within(type).getByRole("radio", { name: "Dynamics 365 のマーケティングリスト" }));
    expect(form).toHaveAccessibleName("Dynamics 365 のエクスポート先を追加");
    expect(within(form).getByRole("combobox", { name: "Dynamics 365 接続" })).toBeInTheDocument();
    await user.click(within(form).getByRole("radio", { name: "新しいリストを作成する" }));
    expect(within(form).getByRole("textbox", { name: "新しいリストの名前" })).toBeInTheDocument();
  });
});
