import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import App from "../src/App.svelte";
import type { AccessEmail, Admin, FirstAdminActivation, IntegrationInfo, MarketoAdmin } from "../src/lib/api/bindings";
import { activated, called, connections, failWith, marketoConnection, mockBackend, notActivated } from "./backend";

async function openIntegration() {
  window.history.replaceState(null, "", "#/settings/integration");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "Integration info" });
  return user;
}

/** An activated workspace where ada acts. */
function activatedBackend() {
  return mockBackend({
    integration_info: () => activated,
    acting_admin: (): Admin => ({ id: "a1", email: "ada@example.com", name: "Ada", is_original_admin: true }),
  });
}

describe("Integration info", () => {
  test("r2_activation_form_calls_activate_then_shows_the_masked_secret", async () => {
    let info: IntegrationInfo = notActivated;
    let acting: Admin | null = null;
    const calls = mockBackend({
      integration_info: () => info,
      acting_admin: () => acting,
      activate: (args) => {
        info = activated;
        acting = { id: "a1", email: args.email as string, name: args.name as string, is_original_admin: true };
        return acting;
      },
    });
    const user = await openIntegration();

    expect(await screen.findByRole("heading", { name: "Activate the workspace" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Copy client secret" })).not.toBeInTheDocument();
    await user.type(screen.getByRole("textbox", { name: "Name" }), "Ada Lovelace");
    await user.type(screen.getByRole("textbox", { name: "Email" }), "ada@example.com");
    await user.click(screen.getByRole("button", { name: "Activate workspace" }));

    expect(await screen.findByText("••••••••••••k3Q9")).toBeInTheDocument();
    expect(called(calls, "activate").map((call) => call.args)).toEqual([
      { name: "Ada Lovelace", email: "ada@example.com" },
    ]);
    expect(screen.getByText("lsn_client_4f2a9c")).toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: "Email" })).not.toBeInTheDocument();
    // The top bar now shows who acts.
    expect(await screen.findByText("Acting as ada@example.com")).toBeInTheDocument();
  });

  test("r2_activation_refusal_shows_the_backend_message", async () => {
    mockBackend({
      activate: () => {
        throw { code: "invalid_input", message: "“ada@” is not an email address.", details: null };
      },
    });
    const user = await openIntegration();
    await user.type(await screen.findByRole("textbox", { name: "Name" }), "Ada");
    await user.type(screen.getByRole("textbox", { name: "Email" }), "ada@example.com");
    await user.click(screen.getByRole("button", { name: "Activate workspace" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("“ada@” is not an email address.");
  });

  test("copy client secret asks Rust to copy it and confirms with Copied", async () => {
    const calls = activatedBackend();
    const user = await openIntegration();
    await user.click(await screen.findByRole("button", { name: "Copy client secret" }));
    expect(called(calls, "copy_client_secret")).toHaveLength(1);
    expect(await screen.findByText("Copied")).toBeInTheDocument();
  });

  test("copy client ID uses the web clipboard (the ID is not secret)", async () => {
    const calls = activatedBackend();
    const user = await openIntegration();
    const writeText = vi.spyOn(navigator.clipboard, "writeText");
    await user.click(await screen.findByRole("button", { name: "Copy client ID" }));
    expect(writeText).toHaveBeenCalledWith("lsn_client_4f2a9c");
    expect(await screen.findByText("Copied")).toBeInTheDocument();
    expect(called(calls, "copy_client_secret")).toHaveLength(0);
  });

  test("reveal asks for confirmation first; Cancel calls nothing and returns focus", async () => {
    const calls = activatedBackend();
    const user = await openIntegration();
    const reveal = await screen.findByRole("button", { name: "Reveal client secret" });

    await user.click(reveal);
    let dialog = screen.getByRole("dialog", { name: "Reveal the client secret?" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(reveal).toHaveFocus();
    expect(called(calls, "reveal_client_secret")).toHaveLength(0);

    await user.click(reveal);
    dialog = screen.getByRole("dialog", { name: "Reveal the client secret?" });
    await user.click(within(dialog).getByRole("button", { name: "Reveal" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(called(calls, "reveal_client_secret")).toHaveLength(1);
  });

  test("regenerate explains the old secret stops working, then regenerates and re-reads the card", async () => {
    const calls = activatedBackend();
    const user = await openIntegration();
    await user.click(await screen.findByRole("button", { name: "Regenerate client secret" }));

    const dialog = screen.getByRole("dialog", { name: "Regenerate the client secret?" });
    expect(dialog).toHaveAccessibleDescription(/old one stops working/);
    // Destructive: focus starts on Cancel.
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    const before = called(calls, "integration_info").length;
    await user.click(within(dialog).getByRole("button", { name: "Regenerate" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(called(calls, "regenerate_client_secret")).toHaveLength(1);
    await waitFor(() => expect(called(calls, "integration_info").length).toBe(before + 1));
  });
});

describe("Dialog", () => {
  test("focus moves in, Tab is trapped, Escape cancels without leaving Settings, focus returns", async () => {
    const calls = activatedBackend();
    const user = await openIntegration();
    const reveal = await screen.findByRole("button", { name: "Reveal client secret" });
    await user.click(reveal);

    const dialog = screen.getByRole("dialog", { name: "Reveal the client secret?" });
    const cancel = within(dialog).getByRole("button", { name: "Cancel" });
    const confirm = within(dialog).getByRole("button", { name: "Reveal" });
    expect(confirm).toHaveFocus();
    await user.tab();
    expect(cancel).toHaveFocus();
    await user.tab();
    expect(confirm).toHaveFocus();
    await user.tab({ shift: true });
    expect(cancel).toHaveFocus();
    await user.tab({ shift: true });
    expect(confirm).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Integration info" })).toBeInTheDocument();
    expect(reveal).toHaveFocus();
    expect(called(calls, "reveal_client_secret")).toHaveLength(0);
  });
});

const admins: MarketoAdmin[] = [
  { userid: "ada@acme.com", email: "ada@acme.com", name: "Ada Admin", roles: ["Admin (AllZones)"] },
  {
    userid: "misaki@acme.com",
    email: "misaki.tanaka@acme.com",
    name: "美咲 田中",
    roles: ["Admin (AllZones)", "Marketing User (Default)"],
  },
];

describe("Step 1: the first admin picked from Marketo", () => {
  test("r2_before_marketo_is_connected_its_admins_are_read_with_typed_credentials_and_one_is_activated", async () => {
    let info: IntegrationInfo = notActivated;
    let acting: Admin | null = null;
    let email: AccessEmail | null = null;
    const calls = mockBackend({
      integration_info: () => info,
      acting_admin: () => acting,
      access_email: () => email,
      marketo_admins: () => admins,
      activate_from_marketo: (args): FirstAdminActivation => {
        info = activated;
        acting = { id: "m1", email: "misaki.tanaka@acme.com", name: "美咲 田中", is_original_admin: true };
        email = {
          recipient: "misaki.tanaka@acme.com",
          state: "queued",
          waiting_for_email_settings: true,
          error: null,
          sent_at: null,
        };
        expect(args.pick).toBe("misaki@acme.com");
        return { admin: acting, email };
      },
    });
    const user = await openIntegration();

    const picker = await screen.findByRole("region", { name: "Pick the first admin from Marketo" });
    expect(within(picker).getByText(/Marketo is not connected yet/)).toBeInTheDocument();
    await user.type(within(picker).getByRole("textbox", { name: "Marketo REST endpoint or Munchkin ID" }), "1-A");
    await user.type(within(picker).getByRole("textbox", { name: "Marketo client ID" }), "c");
    await user.type(within(picker).getByLabelText("Marketo client secret"), "s");
    await user.click(within(picker).getByRole("button", { name: "Find Marketo admins" }));

    const list = await within(picker).findByRole("group", { name: "Marketo admins (2)" });
    const first = within(list).getByRole("radio", { name: /Ada Admin/ });
    expect(first).toBeChecked();
    // Arrow keys move through the admins, as in any radio group.
    first.focus();
    await user.keyboard("{ArrowDown}");
    expect(within(list).getByRole("radio", { name: /美咲 田中/ })).toBeChecked();
    expect(within(list).getByText("Admin (AllZones), Marketing User (Default)")).toBeInTheDocument();

    await user.click(within(picker).getByRole("button", { name: "Activate with this admin" }));
    expect(
      await screen.findByText(/Access instructions to misaki.tanaka@acme.com wait in the outbox/),
    ).toBeInTheDocument();
    expect(called(calls, "marketo_admins")[0]?.args).toEqual({
      source: { via: "credentials", base_url: "1-A", client_id: "c" },
      client_secret: "s",
    });
    expect(called(calls, "activate_from_marketo")[0]?.args).toMatchObject({ client_secret: "s" });
    expect(screen.queryByRole("region", { name: "Pick the first admin from Marketo" })).not.toBeInTheDocument();
    // Typing into three fields and two round trips: more than the default 5 s on a busy machine.
  }, 20_000);

  test("r2_with_marketo_connected_the_connection_is_used_and_refusals_show_the_backend_message", async () => {
    const calls = mockBackend({
      connections_list: () => [...connections, marketoConnection],
      marketo_admins: () => admins,
      activate_from_marketo: failWith({
        code: "forbidden",
        message: "ada@acme.com does not (or no longer) hold the Admin role in Marketo.",
        details: null,
      }),
    });
    const user = await openIntegration();
    const picker = await screen.findByRole("region", { name: "Pick the first admin from Marketo" });
    expect(within(picker).getByText(/through the workspace's Marketo connection/)).toBeInTheDocument();
    expect(within(picker).queryByRole("textbox")).not.toBeInTheDocument();
    await user.click(within(picker).getByRole("button", { name: "Find Marketo admins" }));
    await user.click(await within(picker).findByRole("button", { name: "Activate with this admin" }));
    expect(await within(picker).findByRole("alert")).toHaveTextContent("no longer) hold the Admin role");
    expect(called(calls, "marketo_admins")[0]?.args).toEqual({ source: { via: "connection" }, client_secret: null });
    // The typed fallback stays offered.
    expect(screen.getByRole("button", { name: "Activate workspace" })).toBeInTheDocument();
  });
});
