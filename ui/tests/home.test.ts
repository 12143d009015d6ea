import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import App from "../src/App.svelte";
import {
  called,
  checklists,
  failWith,
  installLink,
  mockBackend,
  packageVerification,
  prerequisites,
  setupOverview,
} from "./backend";

/** Renders Home, clicks "Verify in Salesforce" on step 6 with `outcome`, and waits for it to need attention. */
async function verifyStep6(outcome: "not_installed" | "outdated") {
  mockBackend({ verify_crm_package: () => packageVerification(outcome) });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("button", { name: "Verify step 6 in Salesforce" }));
  const step = await screen.findByRole("listitem", {
    name: "Step 6: Install or upgrade the CRM package Needs attention",
  });
  return { user, step };
}

describe("Home / Setup", () => {
  test("r1_home_shows_seven_steps_with_persona_and_state_from_the_backend", async () => {
    mockBackend();
    render(App);

    expect(await screen.findByRole("heading", { level: 1, name: "Setup" })).toBeInTheDocument();
    const list = await screen.findByRole("list", { name: "Setup steps" });
    expect(list.tagName).toBe("OL");
    const steps = within(list).getAllByRole("listitem");
    expect(steps).toHaveLength(7);

    const expected = [
      ["Set up the workspace", "Marketo admin", "Done"],
      ["Connect Salesforce", "Marketo or Salesforce admin", "Done"],
      ["Connect Marketo", "Marketo admin", "Needs attention"],
      ["Start the data sync", "Marketo admin", "Not started"],
      ["Invite users", "Marketo admin", "Not started"],
      ["Install or upgrade the CRM package", "Salesforce admin", "Not started"],
      ["Configure the CRM side", "Salesforce admin", "Not started"],
    ] as const;
    expected.forEach(([title, persona, state], index) => {
      const step = screen.getByRole("listitem", { name: `Step ${index + 1}: ${title} ${state}` });
      expect(step).toBe(steps[index]);
      expect(within(step).getByRole("heading", { level: 2 })).toHaveTextContent(title);
      expect(step).toHaveTextContent(persona);
      expect(step).toHaveTextContent(String(index + 1));
    });
  });

  test("each step says who last changed it and when", async () => {
    mockBackend();
    render(App);
    const first = await screen.findByRole("listitem", { name: "Step 1: Set up the workspace Done" });
    expect(first).toHaveTextContent("By Ana Admin,");
    expect(within(first).getByText((_, el) => el?.tagName === "TIME")).toHaveAttribute(
      "datetime",
      "2026-11-20T09:15:00Z",
    );
    const third = screen.getByRole("listitem", { name: "Step 3: Connect Marketo Needs attention" });
    expect(third).not.toHaveTextContent("By ");
  });

  test("r1_progress_bar_reports_done_of_total", async () => {
    mockBackend();
    render(App);

    const bar = await screen.findByRole("progressbar", { name: "Setup progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "2");
    expect(bar).toHaveAttribute("aria-valuemax", "7");
    expect(bar).toHaveAttribute("aria-valuemin", "0");
    expect(screen.getByText("2 of 7 steps done")).toBeInTheDocument();
  });

  test("a step shows its detail and links to the Settings page where it is done", async () => {
    mockBackend();
    render(App);

    const marketo = await screen.findByRole("listitem", { name: /Connect Marketo/ });
    expect(marketo).toHaveTextContent("Marketo rejected the client secret (error 601).");
    expect(within(marketo).getByRole("link", { name: "Open Marketo" })).toHaveAttribute("href", "#/settings/marketo");

    const links = {
      "Set up the workspace": "#/settings/integration",
      "Connect Salesforce": "#/settings/salesforce",
      "Start the data sync": "#/settings/sync",
      "Invite users": "#/settings/users",
      "Install or upgrade the CRM package": "#/settings/salesforce",
      "Configure the CRM side": "#/settings/salesforce",
    };
    for (const [title, href] of Object.entries(links)) {
      const step = screen.getByRole("listitem", { name: new RegExp(title) });
      expect(within(step).getByRole("link")).toHaveAttribute("href", href);
    }
  });

  test("the page is busy while the setup overview loads", async () => {
    let release: (value: unknown) => void = () => {};
    const pending = new Promise((resolve) => (release = resolve));
    mockBackend({ setup_overview: () => pending });
    render(App);

    expect(await screen.findByRole("status")).toHaveTextContent("Loading…");
    expect(screen.getByRole("status").closest("[aria-busy='true']")).not.toBeNull();
    release(setupOverview);
    expect(await screen.findByRole("progressbar")).toBeInTheDocument();
    // The prerequisites card loads on its own.
    await waitFor(() => expect(screen.queryByText("Loading…")).not.toBeInTheDocument());
  });

  test("r1_step_6_mark_as_done_stays_disabled_until_every_item_is_ticked_then_the_step_is_done", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    render(App);

    const step = await screen.findByRole("listitem", {
      name: "Step 6: Install or upgrade the CRM package Not started",
    });
    // The link to where the work happens stays next to the new action.
    expect(within(step).getByRole("link", { name: "Open Salesforce" })).toBeInTheDocument();
    const open = within(step).getByRole("button", { name: "Confirm checklist for step 6" });
    expect(open).toHaveTextContent("Confirm checklist");
    await user.click(open);

    const dialog = screen.getByRole("dialog", { name: "Step 6: Install or upgrade the CRM package" });
    expect(called(calls, "step_checklist").map((call) => call.args)).toEqual([{ step: "crm_package" }]);
    const boxes = await within(dialog).findAllByRole("checkbox");
    expect(boxes).toHaveLength(2);
    const [installed, forUsers] = checklists.crm_package!;
    const first = within(dialog).getByRole("checkbox", { name: installed!.text });
    const second = within(dialog).getByRole("checkbox", { name: forUsers!.text });
    const markDone = within(dialog).getByRole("button", { name: "Mark as done" });
    expect(markDone).toBeDisabled();

    await user.click(first);
    expect(first).toBeChecked();
    expect(markDone).toBeDisabled();
    await user.click(markDone);
    expect(called(calls, "confirm_step")).toHaveLength(0);

    await user.click(second);
    expect(markDone).toBeEnabled();
    await user.click(second);
    expect(markDone).toBeDisabled();
    await user.click(second);
    await user.click(markDone);

    expect(called(calls, "confirm_step").map((call) => call.args)).toEqual([
      { step: "crm_package", confirmed: ["package_installed", "installed_for_users"] },
    ]);
    expect(
      await screen.findByRole("listitem", { name: "Step 6: Install or upgrade the CRM package Done" }),
    ).toHaveTextContent("Confirmed by ana@acme.example");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByText("3 of 7 steps done")).toBeInTheDocument();
    // confirm_step answered with the overview, so it is not asked for again.
    expect(called(calls, "setup_overview")).toHaveLength(1);
    expect(
      within(screen.getByRole("listitem", { name: /Step 6/ })).getByRole("button", {
        name: "Confirm checklist for step 6",
      }),
    ).toHaveFocus();
  });

  test("r1_step_7_has_its_own_checklist_and_cancel_confirms_nothing", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    render(App);

    const step = await screen.findByRole("listitem", { name: /Step 7: Configure the CRM side/ });
    expect(within(step).getByRole("link", { name: "Open Salesforce" })).toBeInTheDocument();
    await user.click(within(step).getByRole("button", { name: "Confirm checklist for step 7" }));
    const dialog = screen.getByRole("dialog", { name: "Step 7: Configure the CRM side" });
    expect(
      (await within(dialog).findAllByRole("checkbox")).map((box) => box.closest("div")?.textContent?.trim()),
    ).toEqual(checklists.crm_configure!.map((item) => item.text));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(called(calls, "confirm_step")).toHaveLength(0);
    // Only steps 6 and 7 are confirmed by hand; the others are verified by Liaison.
    expect(screen.getAllByRole("button", { name: /Confirm checklist/ })).toHaveLength(2);
  });

  test("a refused confirmation keeps the dialog open with the backend message", async () => {
    mockBackend({
      confirm_step: failWith({
        code: "forbidden",
        message: "Activate the workspace first (setup step 1).",
        details: null,
      }),
    });
    const user = userEvent.setup();
    render(App);
    await user.click(await screen.findByRole("button", { name: "Confirm checklist for step 6" }));
    const dialog = screen.getByRole("dialog");
    for (const box of await within(dialog).findAllByRole("checkbox")) await user.click(box);
    await user.click(within(dialog).getByRole("button", { name: "Mark as done" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Activate the workspace first (setup step 1).");
    await waitFor(() => expect(within(dialog).getByRole("button", { name: "Mark as done" })).toBeEnabled());
    expect(screen.getByRole("listitem", { name: /Step 6/ })).toHaveTextContent("Not started");
  });

  test("r1_step_6_verify_in_salesforce_marks_the_step_done_when_the_package_is_found", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    render(App);

    const step = await screen.findByRole("listitem", {
      name: "Step 6: Install or upgrade the CRM package Not started",
    });
    await user.click(within(step).getByRole("button", { name: "Verify step 6 in Salesforce" }));

    const done = await screen.findByRole("listitem", { name: "Step 6: Install or upgrade the CRM package Done" });
    expect(within(done).getByRole("status")).toHaveTextContent(
      "Found Marketo Sales Insight Marketo Sales Insight 1.4362 in Salesforce. The step is done.",
    );
    expect(done).toHaveTextContent("Verified in Salesforce");
    expect(screen.getByText("3 of 7 steps done")).toBeInTheDocument();
    expect(called(calls, "verify_crm_package")).toHaveLength(1);
    // The answer carried the overview, so it is not asked for again; the checklist stays available.
    expect(called(calls, "setup_overview")).toHaveLength(1);
    expect(within(done).getByRole("button", { name: "Confirm checklist for step 6" })).toBeInTheDocument();
  });

  test("r1_step_6_verify_reports_a_missing_package_and_the_step_needs_attention", async () => {
    const { step } = await verifyStep6("not_installed");
    expect(within(step).getByRole("textbox", { name: "Install or upgrade link" })).toHaveValue(installLink);
    expect(within(step).getByRole("status")).toHaveTextContent(
      "Marketo Sales Insight is not installed in the Salesforce org (it lists 1 other packages). Install it from AppExchange, then verify again.",
    );
  });

  test("r1_step_6_access_denied_points_to_the_checklist_which_still_completes_the_step", async () => {
    const calls = mockBackend({ verify_crm_package: () => packageVerification("access_denied") });
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("button", { name: "Verify step 6 in Salesforce" }));
    const step = screen.getByRole("listitem", { name: /Step 6/ });
    expect(await within(step).findByRole("status")).toHaveTextContent(
      "The Salesforce user ana@acme.example may not read the installed packages (that needs “View Setup and Configuration”). Confirm the checklist instead",
    );
    expect(step).toHaveTextContent("Not started");
    await user.click(within(step).getByRole("button", { name: "Confirm checklist for step 6" }));
    const dialog = screen.getByRole("dialog", { name: "Step 6: Install or upgrade the CRM package" });
    for (const box of await within(dialog).findAllByRole("checkbox")) await user.click(box);
    await user.click(within(dialog).getByRole("button", { name: "Mark as done" }));
    expect(
      await screen.findByRole("listitem", { name: "Step 6: Install or upgrade the CRM package Done" }),
    ).toBeInTheDocument();
    expect(called(calls, "confirm_step")).toHaveLength(1);
  });

  test("a failed verification shows the backend's message next to the step", async () => {
    mockBackend({
      verify_crm_package: failWith({
        code: "unauthorized",
        message: "Salesforce says the sign-in has expired or was revoked. Reconnect Salesforce.",
        details: null,
      }),
    });
    const user = userEvent.setup();
    render(App);
    await user.click(await screen.findByRole("button", { name: "Verify step 6 in Salesforce" }));
    const step = screen.getByRole("listitem", { name: /Step 6/ });
    expect(await within(step).findByRole("alert")).toHaveTextContent("Reconnect Salesforce.");
  });

  test("without a Salesforce connection step 6 offers only the checklist", async () => {
    mockBackend({ connections_list: () => [] });
    render(App);
    const step = await screen.findByRole("listitem", { name: /Step 6/ });
    expect(within(step).queryByRole("button", { name: /Verify/ })).not.toBeInTheDocument();
    expect(step).toHaveTextContent("Connect Salesforce to verify this step automatically");
    expect(within(step).getByRole("button", { name: "Confirm checklist for step 6" })).toBeInTheDocument();
  });

  test("r1_step6_an_outdated_package_needs_attention_with_the_upgrade_link", async () => {
    const { user, step } = await verifyStep6("outdated");
    expect(within(step).getByRole("status")).toHaveTextContent(
      "Marketo Sales Insight 1.4100.0.1 is installed in Salesforce, but the newest version is 1.4362.0.1. Upgrade it, then verify again.",
    );
    const link = within(step).getByRole("textbox", { name: "Install or upgrade link" });
    expect(link).toHaveValue(installLink);
    expect(link).toHaveAttribute("readonly");
    expect(link).toHaveAccessibleDescription(/signed in to Salesforce as an administrator/);
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await user.click(within(step).getByRole("button", { name: "Copy link" }));
    expect(writeText).toHaveBeenCalledWith(installLink);
    expect(await within(step).findByText("Link copied.")).toBeInTheDocument();
  });

  test("the upgrade link stays on step 6 after a reload while the step needs attention", async () => {
    mockBackend({ setup_overview: () => packageVerification("outdated").overview });
    render(App);
    const step = await screen.findByRole("listitem", { name: /Step 6: .* Needs attention/ });
    expect(within(step).getByRole("textbox", { name: "Install or upgrade link" })).toHaveValue(installLink);
    const other = screen.getByRole("listitem", { name: /Step 3/ });
    expect(within(other).queryByRole("textbox")).not.toBeInTheDocument();
  });

  test("r1_prerequisites_show_before_step_2_and_sales_insight_actions_is_confirmed_by_the_admin", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    render(App);

    const section = await screen.findByRole("region", { name: "Before step 2: prerequisites" });
    const steps = screen.getByRole("list", { name: "Setup steps" });
    // The prerequisites come before the steps in reading order.
    expect(section.compareDocumentPosition(steps) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const actions = await within(section).findByRole("listitem", {
      name: "Sales Insight Actions is enabled on the Marketo subscription Not checked",
    });
    await user.click(within(actions).getByRole("button", { name: "It is enabled" }));
    const met = await within(section).findByRole("listitem", {
      name: "Sales Insight Actions is enabled on the Marketo subscription Met",
    });
    expect(met).toHaveTextContent("Confirmed enabled by ana@acme.example.");
    expect(met).toHaveTextContent("by Ana Admin");
    expect(within(met).getByRole("button", { name: "It is enabled" })).toBeDisabled();
    expect(called(calls, "confirm_sales_insight_actions")).toEqual([
      { cmd: "confirm_sales_insight_actions", args: { enabled: true } },
    ]);
  });

  test("r1_the_sync_prerequisite_is_checked_and_says_when_it_cannot_tell_yet", async () => {
    const calls = mockBackend({
      setup_prerequisites: () =>
        prerequisites({
          sync: "cannot_tell",
          syncDetail: "Cannot tell yet: connect Marketo (setup step 3), then check again.",
        }),
    });
    const user = userEvent.setup();
    render(App);

    const sync = await screen.findByRole("listitem", {
      name: "The Marketo ↔ Salesforce sync is configured Cannot tell yet",
    });
    expect(sync).toHaveTextContent("connect Marketo (setup step 3)");
    await user.click(
      within(sync).getByRole("button", { name: "Check whether the Marketo ↔ Salesforce sync is configured" }),
    );
    const met = await screen.findByRole("listitem", { name: "The Marketo ↔ Salesforce sync is configured Met" });
    expect(met).toHaveTextContent("Configured: 120 of the 200");
    expect(called(calls, "check_marketo_salesforce_sync")).toHaveLength(1);
  });

  test("a failed sync check shows the backend's message next to the prerequisite", async () => {
    mockBackend({
      check_marketo_salesforce_sync: failWith({
        code: "unauthorized",
        message: "Marketo rejected the client secret (error 601).",
        details: null,
      }),
    });
    const user = userEvent.setup();
    render(App);
    const sync = await screen.findByRole("listitem", { name: /Marketo ↔ Salesforce sync is configured/ });
    await user.click(within(sync).getByRole("button", { name: /Check whether/ }));
    expect(await within(sync).findByRole("alert")).toHaveTextContent("Marketo rejected the client secret");
  });
});
