import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import App from "../src/App.svelte";
import type { Admin, IntegrationInfo } from "../src/lib/api/bindings";
import { activated, called, mockBackend, notActivated } from "./backend";

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
