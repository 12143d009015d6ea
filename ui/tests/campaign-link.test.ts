import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { AppError, EntityMapping } from "../src/lib/api/bindings";
import {
  called,
  campaignConnection,
  campaignLink,
  campaignMetadata,
  connections,
  dynamicsConnection,
  emitEvent,
  failWith,
  mockBackend,
} from "./backend";

async function open() {
  window.history.replaceState(null, "", "#/settings/campaign-dynamics");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "Campaign ↔ Dynamics 365" });
  return user;
}

const both = () => [...connections, dynamicsConnection, campaignConnection];

describe("Campaign ↔ Dynamics 365 (seed 004)", () => {
  test("without both connections the page says what to connect first", async () => {
    mockBackend({ connections_list: () => [dynamicsConnection] });
    await open();
    expect(
      await screen.findByText(/Connect a Dynamics 365 organization \(online\) and Adobe Campaign Standard first/),
    ).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Link Dynamics 365 and Adobe Campaign" })).not.toBeInTheDocument();
  });

  test("r19_the_setup_sends_both_connections_and_the_opt_out_direction_and_shows_what_carries_it", async () => {
    const calls = mockBackend({
      connections_list: both,
      campaign_link_setup: (args) =>
        campaignLink(args.optout as never, [{ attribute: "emailaddress1", field: "email" }]),
      campaign_link_metadata: () => campaignMetadata,
    });
    const user = await open();
    const form = await screen.findByRole("form", { name: "Link Dynamics 365 and Adobe Campaign" });
    // The only connection of each kind is chosen already.
    expect(within(form).getByRole("combobox", { name: "Dynamics 365 connection" })).toHaveValue(dynamicsConnection.id);
    expect(within(form).getByRole("combobox", { name: "Adobe Campaign connection" })).toHaveValue(
      campaignConnection.id,
    );
    const carriers = within(form).getByRole("list", { name: "Attributes that carry the opt-out" });
    expect(within(carriers).getByText("donotbulkemail → blackListEmail")).toBeInTheDocument();
    const direction = within(form).getByRole("group", { name: "Opt-outs travel" });
    await user.click(within(direction).getByRole("radio", { name: /Both ways/ }));
    expect(within(carriers).getByText("donotbulkemail ↔ blackListEmail")).toBeInTheDocument();
    expect(within(carriers).getByText("donotemail → blackListEmail")).toBeInTheDocument();
    await user.click(within(direction).getByRole("radio", { name: "From Campaign to Dynamics 365" }));
    expect(within(carriers).getByText("donotbulkemail ← blackListEmail")).toBeInTheDocument();
    expect(within(carriers).getByText("donotemail: not synced in this direction")).toBeInTheDocument();

    await user.click(within(form).getByRole("button", { name: "Check and save" }));
    expect(await within(form).findByRole("status")).toHaveTextContent("Linked.");
    expect(called(calls, "campaign_link_setup")[0]?.args).toEqual({
      dynamics: dynamicsConnection.id,
      campaign: campaignConnection.id,
      optout: "campaign_to_dynamics",
    });
    // The mapping appears with the contact ID's row fixed.
    expect(await screen.findByText("contactid → cusCrmContactId (always)")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Contact attribute, row 1" })).toHaveValue("emailaddress1");
  });

  test("an on-premises org is refused with the backend's reason and nothing is shown as linked", async () => {
    const refusal: AppError = {
      code: "conflict",
      message: "This Dynamics 365 answers as an on-premises server (version 9.1.0.32091, no online environment).",
      details: null,
    };
    mockBackend({ connections_list: both, campaign_link_setup: failWith(refusal) });
    const user = await open();
    const form = await screen.findByRole("form", { name: "Link Dynamics 365 and Adobe Campaign" });
    await user.click(within(form).getByRole("button", { name: "Check and save" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("on-premises");
    expect(within(form).queryByRole("status")).not.toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Contact attributes → profile fields" })).not.toBeInTheDocument();
  });

  test("r17_the_mapping_offers_both_systems_fields_never_a_read_only_one_and_saves_the_rows", async () => {
    const calls = mockBackend({
      connections_list: both,
      campaign_link_get: () => campaignLink("both", [{ attribute: "emailaddress1", field: "email" }]),
      campaign_link_metadata: () => campaignMetadata,
      campaign_link_map: (args) => campaignLink("both", args.pairs as never),
    });
    const user = await open();
    await screen.findByRole("heading", { name: "Contact attributes → profile fields" });
    const field = await screen.findByRole("combobox", { name: "Profile field, row 1" });
    expect(within(field).queryByRole("option", { name: /age/ })).not.toBeInTheDocument();
    expect(within(field).queryByRole("option", { name: /cusCrmContactId/ })).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Add attribute" }));
    // An incomplete row is pointed at before anything is sent.
    await user.click(screen.getByRole("button", { name: "Save mapping" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Row 2: choose both");
    expect(called(calls, "campaign_link_map")).toHaveLength(0);

    await user.selectOptions(screen.getByRole("combobox", { name: "Contact attribute, row 2" }), "jobtitle");
    await user.selectOptions(screen.getByRole("combobox", { name: "Profile field, row 2" }), "cusJobTitle");
    await user.click(screen.getByRole("button", { name: "Save mapping" }));
    await waitFor(() => expect(called(calls, "campaign_link_map")).toHaveLength(1));
    expect(called(calls, "campaign_link_map")[0]?.args).toEqual({
      pairs: [
        { attribute: "emailaddress1", field: "email" },
        { attribute: "jobtitle", field: "cusJobTitle" },
      ],
      optout: null,
    });
    expect(await screen.findByText("Mapping saved.")).toBeInTheDocument();
  });

  test("a mapping the backend refuses shows its reason and keeps the rows", async () => {
    const refusal: AppError = {
      code: "invalid_input",
      message:
        "The contact attribute “donotemail” (Boolean) cannot be written to the profile field “firstName” (string): their types differ.",
      details: null,
    };
    mockBackend({
      connections_list: both,
      campaign_link_get: () => campaignLink("both", [{ attribute: "donotemail", field: "firstName" }]),
      campaign_link_metadata: () => campaignMetadata,
      campaign_link_map: failWith(refusal),
    });
    const user = await open();
    await screen.findByRole("combobox", { name: "Contact attribute, row 1" });
    await user.click(screen.getByRole("button", { name: "Save mapping" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("types differ");
    expect(screen.getByRole("combobox", { name: "Contact attribute, row 1" })).toHaveValue("donotemail");
    await user.click(screen.getByRole("button", { name: "Remove row 1" }));
    expect(screen.queryByRole("combobox", { name: "Contact attribute, row 1" })).not.toBeInTheDocument();
  });

  test("r17_r19_a_run_started_here_shows_its_progress_and_opt_outs_can_be_cancelled_and_lands_in_the_history", async () => {
    const counts = {
      profiles_created: 3,
      profiles_updated: 2,
      unchanged: 10,
      overwritten: 1,
      removed_in_dynamics: 0,
      entities: 5,
      entities_removed: 0,
      events_logged: 4,
      optouts_to_campaign: 5,
      optouts_to_dynamics: 6,
      optout_conflicts: 7,
      errors: 0,
      calls: 9,
    };
    const past = {
      id: "run-1",
      state: "succeeded" as const,
      full: true,
      started_at: "2026-12-07T09:00:00Z",
      finished_at: "2026-12-07T09:01:00Z",
      counts,
      error: null,
      optout_conflicts: [],
    };
    let runs: (typeof past)[] = [];
    const calls = mockBackend({
      connections_list: both,
      campaign_link_get: () => campaignLink("both", [{ attribute: "emailaddress1", field: "email" }]),
      campaign_link_metadata: () => campaignMetadata,
      campaign_history: () => runs,
      campaign_run_start: () => null,
      campaign_run_cancel: () => true,
    });
    const user = await open();
    const section = await screen.findByRole("region", { name: "Runs" });
    expect(await within(section).findByText("No run yet.")).toBeInTheDocument();
    await user.click(within(section).getByRole("checkbox", { name: /Read every contact again/ }));
    await user.click(within(section).getByRole("button", { name: "Run now" }));
    expect(called(calls, "campaign_run_start")[0]?.args).toEqual({ full: true });
    await emitEvent("campaign-progress", { run_id: "run-1", phase: "contacts", counts });
    expect(await within(section).findByText(/Writing Dynamics 365 contacts/)).toBeInTheDocument();
    expect(within(section).getByRole("progressbar", { name: "Campaign run progress" })).toBeInTheDocument();
    expect(within(section).getByRole("button", { name: "Run now" })).toBeDisabled();
    await user.click(within(section).getByRole("button", { name: "Cancel the run" }));
    expect(called(calls, "campaign_run_cancel")).toHaveLength(1);

    runs = [past];
    await emitEvent("campaign-finished", {
      report: { run_id: "run-1", state: "succeeded", full: true, counts, seconds: 60, resumed: false },
      error: null,
    });
    expect(
      await within(section).findByText(
        /The run finished: 3 created, 2 updated, 1 Campaign edits put back, 5 custom entity records written, 4 email events logged, opt-outs: 5 to Campaign, 6 to Dynamics 365, 7 conflicts/,
      ),
    ).toBeInTheDocument();
    const table = await within(section).findByRole("table", { name: "History" });
    const row = within(table).getAllByRole("row")[1]!;
    expect(row).toHaveTextContent("Succeeded · every contact");
    // R19: the opt-outs each way and the conflicts, each in its column.
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent);
    const cells = within(row)
      .getAllByRole("cell")
      .map((c) => c.textContent);
    const expected: [string, string][] = [
      ["Opt-outs to Campaign", "5"],
      ["Opt-outs to Dynamics", "6"],
      ["Opt-out conflicts", "7"],
    ];
    for (const [name, value] of expected) {
      expect(cells[headers.indexOf(name)]).toBe(value);
    }
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((h) => h.textContent),
    ).toContain("Custom entity records");
    expect(within(section).queryByRole("button", { name: "Cancel the run" })).not.toBeInTheDocument();
  });

  test("r19_a_run_s_opt_out_conflicts_and_record_errors_are_shown_under_its_row", async () => {
    const counts = {
      profiles_created: 0,
      profiles_updated: 1,
      unchanged: 0,
      overwritten: 0,
      removed_in_dynamics: 0,
      entities: 0,
      entities_removed: 0,
      events_logged: 0,
      optouts_to_campaign: 0,
      optouts_to_dynamics: 1,
      optout_conflicts: 1,
      errors: 2,
      calls: 12,
    };
    const run = {
      id: "run-7",
      state: "succeeded" as const,
      full: false,
      started_at: "2026-12-07T09:00:00Z",
      finished_at: "2026-12-07T09:01:00Z",
      counts,
      error: null,
      optout_conflicts: [
        {
          run_id: "run-7",
          contact_id: "c-42",
          profile_pkey: "@p42",
          dynamics_optout: false,
          dynamics_changed_at: "2026-12-07T08:00:00Z",
          campaign_optout: true,
          campaign_changed_at: "2026-12-07T08:30:00Z",
          winner: "campaign" as const,
          recorded_at: "2026-12-07T09:00:30Z",
        },
      ],
    };
    const calls = mockBackend({
      connections_list: both,
      campaign_link_get: () => campaignLink("both", [{ attribute: "emailaddress1", field: "email" }]),
      campaign_link_metadata: () => campaignMetadata,
      campaign_history: () => [run, { ...run, id: "run-6", optout_conflicts: [], counts: { ...counts, errors: 0 } }],
      campaign_run_errors: () => [
        { contact_id: "c-7", code: "profile_refused", message: "Campaign refused the email address." },
        { contact_id: "c-9", code: "profile_refused", message: "Campaign refused the phone number." },
      ],
    });
    const user = await open();
    const table = await screen.findByRole("table", { name: "History" });
    // Only a run with something to show has the button; nothing is read until it is pressed.
    const toggles = within(table).getAllByRole("button", { name: /^Conflicts and errors of the run started/ });
    expect(toggles).toHaveLength(1);
    expect(toggles[0]).toHaveAttribute("aria-expanded", "false");
    expect(called(calls, "campaign_run_errors")).toHaveLength(0);

    await user.click(toggles[0]!);
    expect(toggles[0]).toHaveAttribute("aria-expanded", "true");
    const conflicts = await within(table).findByRole("table", { name: /^Opt-out conflicts \(1\)/ });
    const conflict = within(conflicts).getAllByRole("row")[1]!;
    expect(within(conflict).getByRole("rowheader")).toHaveTextContent("c-42");
    const cells = within(conflict)
      .getAllByRole("cell")
      .map((c) => c.textContent);
    expect(cells[0]).toMatch(/^Not opted out · /);
    expect(cells[1]).toMatch(/^Opted out · /);
    expect(cells[2]).toBe("Campaign's value");

    const errors = await within(table).findByRole("table", { name: "Records that could not be written (2)" });
    expect(within(errors).getAllByRole("row")).toHaveLength(3);
    expect(errors).toHaveTextContent("Campaign refused the phone number.");
    expect(called(calls, "campaign_run_errors").map((c) => c.args)).toEqual([{ run_id: "run-7", limit: 100 }]);

    await user.click(toggles[0]!);
    expect(within(table).queryByRole("table", { name: /^Opt-out conflicts/ })).not.toBeInTheDocument();
  });

  test("r17_a_custom_entity_is_mapped_to_a_custom_resource_shown_and_removed", async () => {
    const interests: EntityMapping = {
      entity_set: "lia_productinterests",
      entity: "lia_productinterest",
      primary_id: "lia_productinterestid",
      resource: "cusProductInterest",
      contact_lookup: "lia_contactid",
      profile_link: "profile",
      fields: [{ attribute: "lia_product", field: "product" }],
    };
    const withEntities = (entities: EntityMapping[]) => ({ ...campaignLink("both"), entities });
    const calls = mockBackend({
      connections_list: both,
      campaign_link_get: () => withEntities([]),
      campaign_link_metadata: () => campaignMetadata,
      campaign_entity_map: () => withEntities([interests]),
      campaign_entity_unmap: () => withEntities([]),
    });
    const user = await open();
    const section = await screen.findByRole("region", { name: "Custom entities → custom resources" });
    expect(within(section).getByText("No custom entity is mapped.")).toBeInTheDocument();
    const form = within(section).getByRole("form", { name: "Map a custom entity" });
    // Nothing is sent before the names are there.
    await user.click(within(form).getByRole("button", { name: "Check and save the custom entity" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Fill in the entity set");
    expect(called(calls, "campaign_entity_map")).toHaveLength(0);

    await user.type(within(form).getByRole("textbox", { name: "Dynamics 365 entity set" }), "lia_productinterests");
    await user.type(within(form).getByRole("textbox", { name: "Campaign custom resource" }), "cusProductInterest");
    await user.type(within(form).getByRole("textbox", { name: "The entity's lookup to the contact" }), "lia_contactid");
    await user.type(within(form).getByRole("textbox", { name: "The resource's link to the profile" }), "profile");
    await user.type(within(form).getByRole("textbox", { name: "Entity attribute, row 1" }), "lia_product");
    await user.type(within(form).getByRole("textbox", { name: "Resource field, row 1" }), "product");
    await user.click(within(form).getByRole("button", { name: "Check and save the custom entity" }));
    await waitFor(() => expect(called(calls, "campaign_entity_map")).toHaveLength(1));
    expect(called(calls, "campaign_entity_map")[0]?.args).toEqual({
      request: {
        entity_set: "lia_productinterests",
        resource: "cusProductInterest",
        link: { attribute: "lia_contactid", field: "profile" },
        fields: [{ attribute: "lia_product", field: "product" }],
      },
    });
    expect(await within(form).findByRole("status")).toHaveTextContent("Custom entity mapped.");
    const list = await within(section).findByRole("list", { name: "Mapped custom entities" });
    expect(
      within(list).getByText(
        "lia_productinterests → cusProductInterest (contact lookup lia_contactid → profile link profile)",
      ),
    ).toBeInTheDocument();
    expect(within(list).getByText("lia_product → product")).toBeInTheDocument();

    await user.click(within(list).getByRole("button", { name: "Remove the mapping of lia_productinterests" }));
    expect(called(calls, "campaign_entity_unmap")[0]?.args).toEqual({ entity_set: "lia_productinterests" });
    expect(await within(section).findByText("No custom entity is mapped.")).toBeInTheDocument();
  });

  test("a custom entity mapping the backend refuses shows its reason", async () => {
    const refusal: AppError = {
      code: "invalid_input",
      message:
        "The attribute “lia_interestlevel” (Integer) of “lia_productinterests” cannot be written to the field “interestLevel” (enumeration) of “cusProductInterest”: their types differ.",
      details: null,
    };
    mockBackend({
      connections_list: both,
      campaign_link_get: () => campaignLink("both"),
      campaign_link_metadata: () => campaignMetadata,
      campaign_entity_map: failWith(refusal),
    });
    const user = await open();
    const section = await screen.findByRole("region", { name: "Custom entities → custom resources" });
    const form = within(section).getByRole("form", { name: "Map a custom entity" });
    await user.type(within(form).getByRole("textbox", { name: "Dynamics 365 entity set" }), "lia_productinterests");
    await user.type(within(form).getByRole("textbox", { name: "Campaign custom resource" }), "cusProductInterest");
    await user.type(within(form).getByRole("textbox", { name: "The entity's lookup to the contact" }), "lia_contactid");
    await user.type(within(form).getByRole("textbox", { name: "The resource's link to the profile" }), "profile");
    await user.type(within(form).getByRole("textbox", { name: "Entity attribute, row 1" }), "lia_interestlevel");
    await user.type(within(form).getByRole("textbox", { name: "Resource field, row 1" }), "interestLevel");
    await user.click(within(form).getByRole("button", { name: "Check and save the custom entity" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("their types differ");
    expect(within(form).queryByRole("status")).not.toBeInTheDocument();
  });
});
