import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import type { ConnectPermission } from "../src/lib/api/bindings";
import { called, campaignConnection, failWith, mockBackend } from "./backend";
import ConnectFormHarness from "./harness/ConnectFormHarness.svelte";

const allowed: ConnectPermission = { allowed: true, reason: null };

function setup(props: Partial<{ permission: ConnectPermission; signIn: { title: string; text: string } }> = {}) {
  const onconnected = vi.fn();
  const user = userEvent.setup();
  render(ConnectFormHarness, { permission: allowed, onconnected, ...props });
  const form = screen.getByRole("form", { name: "Add a test connection" });
  return {
    user,
    onconnected,
    form,
    name: within(form).getByRole("textbox", { name: "Name" }),
    org: within(form).getByRole("textbox", { name: "Organization" }),
    connect: within(form).getByRole("button", { name: "Connect" }),
  };
}

describe("ConnectForm", () => {
  test("missing required fields block the submit, are described, and focus moves to the first one", async () => {
    const calls = mockBackend();
    const { user, name, org, connect } = setup();
    // No messages before the first attempt.
    expect(name).not.toHaveAttribute("aria-invalid");

    await user.click(connect);
    expect(called(calls, "connect_campaign")).toHaveLength(0);
    expect(name).toHaveFocus();
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("Enter a name.");
    expect(org).toHaveAccessibleDescription("Enter the organization.");

    // The messages follow the typing; the next attempt stops at the field still missing.
    await user.type(name, "Acme");
    expect(name).not.toHaveAttribute("aria-invalid");
    await user.click(connect);
    expect(org).toHaveFocus();
    expect(called(calls, "connect_campaign")).toHaveLength(0);
  });

  test("a successful connection calls the backend once, announces the name and resets the form", async () => {
    const calls = mockBackend({ connect_campaign: () => campaignConnection });
    const { user, onconnected, form, name, org, connect } = setup();
    await user.type(name, "  Acme  ");
    await user.type(org, "ORG@AdobeOrg");
    await user.click(connect);

    expect(await within(form).findByRole("status")).toHaveTextContent("“Acme” is connected.");
    expect(called(calls, "connect_campaign")).toHaveLength(1);
    expect(called(calls, "connect_campaign")[0]?.args).toMatchObject({
      request: { display_name: "Acme", org_id: "ORG@AdobeOrg" },
    });
    expect(onconnected).toHaveBeenCalledTimes(1);
    expect(name).toHaveValue("");
    expect(org).toHaveValue("");
    // Reset means no "missing" messages for the emptied fields until the next attempt.
    expect(name).not.toHaveAttribute("aria-invalid");
    expect(org).not.toHaveAttribute("aria-invalid");
  });

  test("a backend error is shown in the form, which keeps what was typed", async () => {
    mockBackend({
      connect_campaign: failWith({ code: "unauthorized", message: "Adobe rejected the client secret.", details: null }),
    });
    const { user, onconnected, form, name, org, connect } = setup();
    await user.type(name, "Acme");
    await user.type(org, "ORG");
    await user.click(connect);

    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent("Adobe rejected the client secret.");
    expect(alert).toHaveTextContent("unauthorized");
    expect(onconnected).not.toHaveBeenCalled();
    expect(name).toHaveValue("Acme");
    expect(connect).toBeEnabled();

    // The next attempt clears the old error first.
    mockBackend({ connect_campaign: () => campaignConnection });
    await user.click(connect);
    await waitFor(() => expect(within(form).queryByRole("alert")).not.toBeInTheDocument());
  });

  test("with a browser sign-in, Connect asks first; Cancel connects nothing, OK connects", async () => {
    const calls = mockBackend({ connect_campaign: () => campaignConnection });
    const signIn = { title: "Sign in to Test", text: "Your browser opens." };
    const { user, onconnected, name, org, connect } = setup({ signIn });
    await user.type(name, "Acme");
    await user.type(org, "ORG");

    await user.click(connect);
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Test" })).getByRole("button", { name: "Cancel" }),
    );
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(called(calls, "connect_campaign")).toHaveLength(0);

    await user.click(connect);
    await user.click(
      within(screen.getByRole("dialog", { name: "Sign in to Test" })).getByRole("button", { name: "OK" }),
    );
    await waitFor(() => expect(onconnected).toHaveBeenCalledTimes(1));
    expect(called(calls, "connect_campaign")).toHaveLength(1);
    // Back on the button, ready for another connection.
    await waitFor(() => expect(screen.getByRole("button", { name: "Connect" })).toHaveFocus());
  });

  test("when connecting is not allowed the button is disabled and described by the backend's reason", () => {
    mockBackend();
    const reason = "Only the owner can connect.";
    const { connect } = setup({ permission: { allowed: false, reason } });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(reason);
  });
});
