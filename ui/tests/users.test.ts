import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockWindows } from "@tauri-apps/api/mocks";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { AppError, DeliveryProgress, DeliverySummary } from "../src/lib/api/bindings";
import {
  ana,
  called,
  csvFile,
  emitEvent,
  failWith,
  invitations,
  mockBackend,
  sandboxInfo,
  teams,
  validationReport,
} from "./backend";

async function openUsers() {
  window.history.replaceState(null, "", "#/settings/users");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "User management" });
  return user;
}

describe("Invite user", () => {
  test("invites with the form's values; Everyone is checked and cannot be unchecked (R4)", async () => {
    const calls = mockBackend({ acting_admin: () => ana });
    const user = await openUsers();

    await user.click(screen.getByRole("button", { name: "Invite user" }));
    const dialog = screen.getByRole("dialog", { name: "Invite user" });
    const everyone = await within(dialog).findByRole("checkbox", { name: "Everyone" });
    expect(everyone).toBeChecked();
    expect(everyone).toBeDisabled();
    expect(within(dialog).getByRole("combobox", { name: "Role" })).toHaveValue("user");

    const email = within(dialog).getByRole("textbox", { name: "Email" });
    expect(email).toHaveAttribute("type", "email");
    await user.type(email, "kim@acme.example");
    await user.type(within(dialog).getByRole("textbox", { name: "Name" }), "Kim Lee");
    await user.selectOptions(within(dialog).getByRole("combobox", { name: "Role" }), "Admin");
    await user.click(within(dialog).getByRole("checkbox", { name: "Sales JP" }));
    const before = called(calls, "invitations_list").length;
    await user.click(within(dialog).getByRole("button", { name: "Invite" }));

    expect(await screen.findByText("Invitation sent to kim@acme.example")).toHaveAttribute("role", "status");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(called(calls, "invite_user").map((call) => call.args)).toEqual([
      { request: { email: "kim@acme.example", name: "Kim Lee", role: "admin", teams: ["Sales JP"] } },
    ]);
    await waitFor(() => expect(called(calls, "invitations_list").length).toBeGreaterThan(before));
  });

  test("a refusal shows the backend's message in the dialog", async () => {
    const refusal: AppError = { code: "conflict", message: "taro@acme.example is already invited.", details: null };
    mockBackend({ invite_user: failWith(refusal) });
    const user = await openUsers();

    await user.click(screen.getByRole("button", { name: "Invite user" }));
    const dialog = screen.getByRole("dialog", { name: "Invite user" });
    await user.type(within(dialog).getByRole("textbox", { name: "Email" }), "taro@acme.example");
    await user.click(within(dialog).getByRole("button", { name: "Invite" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent("taro@acme.example is already invited.");
    expect(screen.getByRole("dialog", { name: "Invite user" })).toBeInTheDocument();
  });

  test("without email settings the invite buttons say delivery must be set up first", async () => {
    mockBackend({ smtp_settings_get: () => null });
    await openUsers();
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Invite user" })).toHaveAccessibleDescription(
        /Set up email delivery below/,
      ),
    );
    expect(screen.getByRole("button", { name: "Invite via CSV" })).toHaveAccessibleDescription(
      /Set up email delivery below/,
    );
  });
});

describe("Invitations", () => {
  test("the table shows delivery errors; Revoke asks first and calls invitation_revoke", async () => {
    const calls = mockBackend();
    const user = await openUsers();

    const table = await screen.findByRole("table", { name: "Invitations" });
    expect(table).toHaveTextContent("taro@acme.example");
    expect(table).toHaveTextContent("Pending");
    expect(table).toHaveTextContent("The mail server refused the recipient (550).");

    await user.click(within(table).getByRole("button", { name: "Revoke taro@acme.example" }));
    const dialog = screen.getByRole("dialog", { name: "Revoke the invitation for taro@acme.example?" });
    expect(called(calls, "invitation_revoke")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "Revoke" }));

    expect(await screen.findByText("Invitation for taro@acme.example revoked")).toBeInTheDocument();
    expect(called(calls, "invitation_revoke").map((call) => call.args)).toEqual([{ email: "taro@acme.example" }]);
  });

  test("Resend calls invitation_resend", async () => {
    const calls = mockBackend();
    const user = await openUsers();
    const table = await screen.findByRole("table", { name: "Invitations" });
    await user.click(within(table).getByRole("button", { name: `Resend ${invitations[0]!.email}` }));
    expect(await screen.findByText("Invitation sent again to taro@acme.example")).toBeInTheDocument();
    expect(called(calls, "invitation_resend").map((call) => call.args)).toEqual([{ email: "taro@acme.example" }]);
  });

  test("delivery progress shows a progress bar with Cancel sending, then the summary", async () => {
    const calls = mockBackend();
    const user = await openUsers();
    await screen.findByRole("table", { name: "Invitations" });

    const progress: DeliveryProgress = { sent: 2, failed: 1, uncertain: 0, remaining: 7 };
    await emitEvent("invites-progress", progress);
    const bar = await screen.findByRole("progressbar", { name: "Sending invitations" });
    expect(bar).toHaveAttribute("aria-valuenow", "3");
    expect(bar).toHaveAttribute("aria-valuemax", "10");
    await user.click(screen.getByRole("button", { name: "Cancel sending" }));
    expect(called(calls, "invites_cancel")).toHaveLength(1);

    const stopped: AppError = { code: "unavailable", message: "The mail server stopped answering.", details: null };
    const finished: DeliverySummary = { sent: 2, failed: 1, uncertain: [], remaining: 7, cancelled: true, stopped };
    const before = called(calls, "invitations_list").length;
    await emitEvent("invites-finished", finished);
    expect(
      await screen.findByText("Delivery finished: 2 sent, 1 failed, 0 uncertain, 7 still queued."),
    ).toBeInTheDocument();
    expect(screen.getByText("The mail server stopped answering.")).toBeInTheDocument();
    expect(screen.queryByRole("progressbar", { name: "Sending invitations" })).not.toBeInTheDocument();
    await waitFor(() => expect(called(calls, "invitations_list").length).toBeGreaterThan(before));
  });
});

describe("Invite via CSV", () => {
  test("choose a file, review and change the mapping, preview, exclude a row, send, summary", async () => {
    const calls = mockBackend({ csv_choose_file: () => csvFile.path });
    const user = await openUsers();

    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    expect(screen.getByText("Up to 1,000,000 rows and 512 MB")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Steps" })).toHaveTextContent("1 Choose file");
    // Only the dialog or a drop opens a file: there is no path to type (#13).
    expect(screen.queryByRole("textbox", { name: "File path" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Choose a file…" }));
    expect(called(calls, "csv_open").map((call) => call.args)).toEqual([{ path: csvFile.path }]);
    await user.click(await screen.findByRole("button", { name: "Next" }));

    // Review mapping: detected facts and the suggested fields.
    expect(screen.getByText("UTF-8")).toBeInTheDocument();
    expect(screen.getByText("Semicolon")).toBeInTheDocument();
    expect(screen.getByText("The file has a byte-order mark.")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Field for Email Address" })).toHaveValue("email");
    expect(screen.getByRole("combobox", { name: "Field for Given name" })).toHaveValue("first_name");
    expect(screen.getByRole("combobox", { name: "Field for Dept" })).toHaveValue("");
    expect(screen.getByText("100%")).toBeInTheDocument();
    expect(screen.getByText("80%")).toBeInTheDocument();
    expect(screen.getByText("Not imported: Dept")).toBeInTheDocument();

    // Without an Email column, Next is refused without calling the backend.
    await user.selectOptions(screen.getByRole("combobox", { name: "Field for Email Address" }), "Not imported");
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByRole("alert")).toHaveTextContent("exactly one column must be Email");
    expect(called(calls, "csv_validate")).toHaveLength(0);
    expect(called(calls, "csv_preview")).toHaveLength(0);

    await user.selectOptions(screen.getByRole("combobox", { name: "Field for Email Address" }), "Email");
    await user.selectOptions(screen.getByRole("combobox", { name: "Field for Dept" }), "Teams");
    await user.click(screen.getByRole("button", { name: "Next" }));

    const mapping = { email: "Email Address", first_name: "Given name", teams: "Dept" };
    const grid = await screen.findByRole("table", { name: "Rows in the file" });
    expect(called(calls, "csv_validate").map((call) => call.args)).toEqual([
      { path: csvFile.path, mapping, excluded: [] },
    ]);
    expect(called(calls, "csv_preview").map((call) => call.args)).toEqual([
      { path: csvFile.path, mapping, offset: 0, limit: 50 },
    ]);
    const headers = within(grid)
      .getAllByRole("columnheader")
      .map((cell) => cell.textContent?.trim());
    expect(headers).toEqual([
      "Exclude",
      "Row",
      "Email",
      "First name",
      "Last name",
      "Role",
      "Teams",
      "Status",
      "Problems",
    ]);
    expect(within(grid).getAllByRole("row")).toHaveLength(4);
    expect(
      within(grid)
        .getAllByRole("cell")
        .some((cell) => cell.textContent === " b@acme.example"),
    ).toBe(true);
    expect(grid).toHaveTextContent("“not-an-email” is not an email address.");
    expect(screen.getByText("Row 3 (line 4): “not-an-email” is not an email address.")).toBeInTheDocument();
    const totalsList = screen.getByLabelText("Totals");
    expect(totalsList).toHaveTextContent(/Rows\s*3/);
    expect(totalsList).toHaveTextContent(/Valid\s*2/);
    expect(totalsList).toHaveTextContent(/Invalid\s*1/);

    // Excluding a row re-validates with it.
    await user.click(within(grid).getByRole("checkbox", { name: "Exclude row 2" }));
    await waitFor(() => expect(called(calls, "csv_validate")).toHaveLength(2));
    expect(called(calls, "csv_validate")[1]!.args).toEqual({ path: csvFile.path, mapping, excluded: [2] });
    const send = await screen.findByRole("button", { name: `Send ${validationReport([2]).valid} invitations` });

    await user.click(send);
    const dialog = screen.getByRole("dialog", { name: "Send 1 invitations?" });
    expect(called(calls, "csv_send")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "Send" }));

    expect(await screen.findByRole("button", { name: "Download results" })).toBeInTheDocument();
    expect(called(calls, "csv_send").map((call) => call.args)).toEqual([
      { path: csvFile.path, mapping, excluded: [2] },
    ]);
    const result = screen.getByLabelText("Result");
    expect(result).toHaveTextContent(/Queued\s*1/);
    expect(result).toHaveTextContent(/Excluded\s*1/);

    await user.click(screen.getByRole("button", { name: "Download results" }));
    expect(await screen.findByText("Results saved to /home/admin/results.csv")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(await screen.findByRole("button", { name: "Invite via CSV" })).toBeInTheDocument();
  });

  test("validation shows a progress bar fed by csv-validation-progress", async () => {
    let finish: () => void = () => {};
    mockBackend({
      csv_choose_file: () => csvFile.path,
      csv_validate: (args) =>
        new Promise((resolve) => {
          finish = () => resolve(validationReport(args.excluded as number[]));
        }),
    });
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    await user.click(screen.getByRole("button", { name: "Choose a file…" }));
    await user.click(await screen.findByRole("button", { name: "Next" }));
    await user.click(screen.getByRole("button", { name: "Next" }));

    const bar = await screen.findByRole("progressbar", { name: "Validating" });
    await emitEvent("csv-validation-progress", { rows: 1200, bytes_read: 40, total_bytes: 100 });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "40"));
    expect(bar).toHaveAttribute("aria-valuemax", "100");
    expect(screen.getByText("1200 rows read")).toBeInTheDocument();
    // The first page does not wait for the validation.
    expect(await screen.findByRole("table", { name: "Rows in the file" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send 0 invitations" })).toBeDisabled();

    finish();
    await waitFor(() => expect(screen.queryByRole("progressbar", { name: "Validating" })).not.toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Send 2 invitations" })).toBeEnabled();
  });

  test("Choose a file… opens the chosen file; Download template saves the template; Cancel returns", async () => {
    const calls = mockBackend({
      csv_choose_file: () => csvFile.path,
      csv_open: () => ({ ...csvFile, mapping_was_saved: true }),
    });
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));

    await user.click(screen.getByRole("button", { name: "Download template" }));
    expect(await screen.findByText("Template saved to /home/admin/template.csv")).toBeInTheDocument();
    expect(called(calls, "csv_save_template")).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Choose a file…" }));
    expect(await screen.findByText(`Opened ${csvFile.path}`)).toBeInTheDocument();
    expect(called(calls, "csv_open").map((call) => call.args)).toEqual([{ path: csvFile.path }]);
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByText("Using the mapping saved for files with these headers")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Back" }));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(await screen.findByRole("button", { name: "Invite via CSV" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "User management" })).toHaveFocus();
  });

  test("an error from csv_open keeps the admin on the first step", async () => {
    const error: AppError = { code: "invalid_input", message: "The file has no email column.", details: null };
    const calls = mockBackend({ csv_open: failWith(error), csv_choose_file: () => "/tmp/x.csv" });
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    await user.click(screen.getByRole("button", { name: "Choose a file…" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The file has no email column.");
    expect(called(calls, "csv_open").map((call) => call.args)).toEqual([{ path: "/tmp/x.csv" }]);
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });
});

describe("Invite via CSV by drag and drop", () => {
  const dropAt = { x: 200, y: 300 };

  test("a file dropped on the window opens in the wizard like a chosen one", async () => {
    const calls = mockBackend();
    mockWindows("main");
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    expect(screen.getByText(/drop it here/)).toBeInTheDocument();

    await emitEvent("tauri://drag-enter", { paths: [csvFile.path], position: dropAt });
    expect(await screen.findByText("Drop the file to open it.")).toBeInTheDocument();
    await emitEvent("tauri://drag-drop", { paths: [csvFile.path], position: dropAt });

    expect(await screen.findByText(`Opened ${csvFile.path}`)).toBeInTheDocument();
    expect(called(calls, "csv_open").map((call) => call.args)).toEqual([{ path: csvFile.path }]);
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByRole("combobox", { name: "Field for Email Address" })).toHaveValue("email");
  });

  test("dropping several files opens none and says to drop one", async () => {
    const calls = mockBackend();
    mockWindows("main");
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    await emitEvent("tauri://drag-drop", { paths: ["/tmp/a.csv", "/tmp/b.csv"], position: dropAt });
    expect(await screen.findByRole("alert")).toHaveTextContent("Drop one CSV file at a time (that was 2).");
    expect(called(calls, "csv_open")).toHaveLength(0);
  });

  test("a drop after the first step does not replace the open file", async () => {
    const calls = mockBackend({ csv_choose_file: () => csvFile.path });
    mockWindows("main");
    const user = await openUsers();
    await user.click(screen.getByRole("button", { name: "Invite via CSV" }));
    await user.click(screen.getByRole("button", { name: "Choose a file…" }));
    await user.click(await screen.findByRole("button", { name: "Next" }));
    await emitEvent("tauri://drag-drop", { paths: ["/tmp/other.csv"], position: dropAt });
    expect(called(calls, "csv_open").map((call) => call.args)).toEqual([{ path: csvFile.path }]);
    expect(screen.getByRole("combobox", { name: "Field for Email Address" })).toBeInTheDocument();
  });
});

describe("Teams", () => {
  test("r4_a_team_is_created_from_user_management_and_listed", async () => {
    let created = false;
    const calls = mockBackend({
      teams_list: () => (created ? [...teams, { id: "t-new", name: "Field Sales", is_default: false }] : teams),
      team_create: (args) => {
        created = true;
        return { id: "t-new", name: args.name, is_default: false };
      },
    });
    const user = await openUsers();
    const list = await screen.findByRole("list", { name: "Teams" });
    expect(
      within(list)
        .getAllByRole("listitem")
        .map((item) => item.textContent?.trim()),
    ).toEqual(["Everyone Every member", "Sales JP", "Marketing"]);

    // An empty name is refused before asking the backend.
    await user.click(screen.getByRole("button", { name: "Create team" }));
    expect(screen.getByRole("textbox", { name: "New team name" })).toHaveAccessibleDescription(
      "A team name needs 1 to 80 characters.",
    );
    expect(called(calls, "team_create")).toHaveLength(0);

    await user.type(screen.getByRole("textbox", { name: "New team name" }), "Field Sales");
    await user.click(screen.getByRole("button", { name: "Create team" }));
    expect(await screen.findByText("Team “Field Sales” created")).toHaveAttribute("role", "status");
    expect(called(calls, "team_create").map((call) => call.args)).toEqual([{ name: "Field Sales" }]);
    expect(await within(list).findByText("Field Sales")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "New team name" })).toHaveValue("");
  });

  test("a duplicate team name shows the backend's reason", async () => {
    mockBackend({
      team_create: failWith({ code: "conflict", message: "A team called “Marketing” already exists.", details: null }),
    });
    const user = await openUsers();
    await user.type(await screen.findByRole("textbox", { name: "New team name" }), "marketing");
    await user.click(screen.getByRole("button", { name: "Create team" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("A team called “Marketing” already exists.");
  });

  test("r4_a_members_teams_are_changed_and_everyone_cannot_be_unticked", async () => {
    const calls = mockBackend();
    const user = await openUsers();
    await user.click(await screen.findByRole("button", { name: "Change teams for taro@acme.example" }));
    const dialog = screen.getByRole("dialog", { name: "Teams of taro@acme.example" });
    const everyone = await within(dialog).findByRole("checkbox", { name: "Everyone" });
    expect(everyone).toBeChecked();
    expect(everyone).toBeDisabled();
    expect(within(dialog).getByRole("checkbox", { name: "Sales JP" })).toBeChecked();
    expect(within(dialog).getByRole("checkbox", { name: "Marketing" })).not.toBeChecked();

    await user.click(within(dialog).getByRole("checkbox", { name: "Sales JP" }));
    await user.click(within(dialog).getByRole("checkbox", { name: "Marketing" }));
    const before = called(calls, "members_list").length;
    await user.click(within(dialog).getByRole("button", { name: "Save teams" }));

    expect(await screen.findByText("taro@acme.example is now in: Everyone, Marketing")).toHaveAttribute(
      "role",
      "status",
    );
    expect(called(calls, "member_set_teams").map((call) => call.args)).toEqual([
      { email: "taro@acme.example", teams: ["Marketing"] },
    ]);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await waitFor(() => expect(called(calls, "members_list").length).toBeGreaterThan(before));
  });

  test("a refused team change keeps the dialog open with the reason", async () => {
    mockBackend({
      member_set_teams: failWith({
        code: "invalid_input",
        message: "There is no team called “Marketing”. Existing teams: Everyone.",
        details: null,
      }),
    });
    const user = await openUsers();
    await user.click(await screen.findByRole("button", { name: "Change teams for taro@acme.example" }));
    const dialog = screen.getByRole("dialog", { name: "Teams of taro@acme.example" });
    await user.click(await within(dialog).findByRole("checkbox", { name: "Marketing" }));
    await user.click(within(dialog).getByRole("button", { name: "Save teams" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("There is no team called “Marketing”.");
  });
});

describe("Invitation settings", () => {
  test("the expiry shows the backend's value and saves a new one", async () => {
    const calls = mockBackend({ invite_expiry_get: () => 5 });
    const user = await openUsers();
    const days = await screen.findByRole("spinbutton", { name: "Days an invitation stays valid" });
    await waitFor(() => expect(days).toHaveValue(5));
    expect(days).toHaveAccessibleDescription(/3 by default/);
    await user.clear(days);
    await user.type(days, "7");
    await user.click(
      within(screen.getByRole("region", { name: "Invitation settings" })).getByRole("button", { name: "Save" }),
    );
    expect(await screen.findByText("New invitations now stay valid for 7 days")).toHaveAttribute("role", "status");
    expect(called(calls, "invite_expiry_set").map((call) => call.args)).toEqual([{ days: 7 }]);
  });

  test("a value outside 1 to 90 days is refused with a specific message", async () => {
    const calls = mockBackend();
    const user = await openUsers();
    const days = await screen.findByRole("spinbutton", { name: "Days an invitation stays valid" });
    await user.clear(days);
    await user.type(days, "91");
    await user.click(
      within(screen.getByRole("region", { name: "Invitation settings" })).getByRole("button", { name: "Save" }),
    );
    expect(days).toHaveAccessibleDescription(/Enter a whole number of days from 1 to 90/);
    expect(days).toHaveAttribute("aria-invalid", "true");
    expect(called(calls, "invite_expiry_set")).toHaveLength(0);
  });
});

describe("Email delivery", () => {
  test("shows the current settings and saves with password null when left empty", async () => {
    const calls = mockBackend();
    const user = await openUsers();

    const host = await screen.findByRole("textbox", { name: "Host" });
    expect(host).toHaveValue("smtp.acme.example");
    expect(screen.getByRole("spinbutton", { name: "Port" })).toHaveValue(587);
    expect(screen.getByRole("combobox", { name: "Security" })).toHaveValue("starttls");
    await user.clear(host);
    await user.type(host, "mail.acme.example");
    await user.selectOptions(screen.getByRole("combobox", { name: "Security" }), "TLS");
    await user.click(screen.getByRole("button", { name: "Save email settings" }));

    expect(await screen.findByText("Email settings saved")).toBeInTheDocument();
    expect(called(calls, "smtp_settings_save").map((call) => call.args)).toEqual([
      {
        settings: {
          host: "mail.acme.example",
          port: 587,
          tls: "tls",
          username: "mailer",
          from_address: "liaison@acme.example",
          from_name: "Acme Liaison",
        },
        password: null,
      },
    ]);
    expect(screen.queryByRole("button", { name: "Use the sandbox mail server" })).not.toBeInTheDocument();

    await user.type(screen.getByRole("textbox", { name: "Test recipient" }), "ana@acme.example");
    await user.click(screen.getByRole("button", { name: "Send test email" }));
    expect(await screen.findByText("Test email sent to ana@acme.example")).toBeInTheDocument();
    expect(called(calls, "smtp_send_test").map((call) => call.args)).toEqual([{ to: "ana@acme.example" }]);
  });

  test("with the sandbox running, its mail server can be used", async () => {
    const calls = mockBackend({ sandbox_info: () => sandboxInfo });
    const user = await openUsers();
    await user.click(await screen.findByRole("button", { name: "Use the sandbox mail server" }));
    expect(await screen.findByText("Email settings saved")).toBeInTheDocument();
    expect(called(calls, "smtp_use_sandbox")).toHaveLength(1);
    expect(screen.getByRole("textbox", { name: "Host" })).toHaveValue("127.0.0.1");
  });
});
