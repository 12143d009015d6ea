import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import {
  called,
  connections,
  deleteConfirmation,
  failWith,
  marketoConnection,
  mockBackend,
  privacyNotice,
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
    ).toEqual([
      "Name",
      "Kind",
      "Marketo list",
      "Reached through",
      "Privacy notice accepted",
      "Export users",
      "Actions",
    ]);

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
