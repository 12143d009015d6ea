import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { AppError } from "../src/lib/api/bindings";
import {
  called,
  campaignConnection,
  campaignLink,
  connections,
  dynamicsConnection,
  failWith,
  mockBackend,
} from "./backend";

async function open() {
  window.history.replaceState(null, "", "#/settings/campaign-dynamics");
  const user = userEvent.setup();
  render(App);
  await screen.findAllByRole("heading", { level: 1, name: /Campaign ↔ Dynamics 365/ });
  return user;
}

const linked = () => ({
  connections_list: () => [...connections, dynamicsConnection, campaignConnection],
  campaign_link_get: () => campaignLink("dynamics_to_campaign"),
});

describe("Campaign ↔ Dynamics 365: schedule and timeline preview (seed 004)", () => {
  test("the schedule is off until chosen, saved when changed and says who changed it", async () => {
    const calls = mockBackend(linked());
    const user = await open();
    const select = await screen.findByRole("combobox", { name: "Run by itself" });
    expect(select).toHaveValue("0");
    expect(within(select).getByRole("option", { name: "Only when I run it" })).toBeInTheDocument();
    await user.selectOptions(select, "Every 1 hours");
    expect(called(calls, "campaign_schedule_set")[0]?.args).toEqual({ every_minutes: 60 });
    const section = screen.getByRole("region", { name: "Schedule" });
    expect(await within(section).findByRole("status")).toHaveTextContent("Schedule saved.");
    expect(within(section).getByText(/Changed by ada@example.com/)).toBeInTheDocument();
  });

  test("r18_the_timeline_preview_shows_what_dynamics_holds_and_what_the_next_run_adds", async () => {
    const calls = mockBackend(linked());
    const user = await open();
    const form = await screen.findByRole("form", { name: "Preview a contact's timeline" });
    const show = within(form).getByRole("button", { name: "Show timeline" });
    expect(show).toBeDisabled();
    await user.type(within(form).getByRole("textbox", { name: "Contact's email or contact ID" }), "ana@example.com");
    await user.click(show);
    expect(called(calls, "campaign_timeline")[0]?.args).toEqual({ contact: "ana@example.com" });
    const timeline = await screen.findByRole("list", { name: "Timeline of Ana Lima, newest first" });
    const items = within(timeline).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("Next run");
    expect(items[0]).toHaveTextContent("Email link clicked: “Winter offers”");
    expect(items[0]).toHaveTextContent("https://www.example.com/winter");
    expect(items[1]).toHaveTextContent("In Dynamics 365");
  });

  test("a contact Dynamics 365 does not hold is refused with the backend's message", async () => {
    const refusal: AppError = {
      code: "not_found",
      message: "No contact in Dynamics 365 has the email or ID “nobody@example.com”.",
      details: null,
    };
    mockBackend({ ...linked(), campaign_timeline: failWith(refusal) });
    const user = await open();
    const form = await screen.findByRole("form", { name: "Preview a contact's timeline" });
    await user.type(within(form).getByRole("textbox", { name: "Contact's email or contact ID" }), "nobody@example.com");
    await user.click(within(form).getByRole("button", { name: "Show timeline" }));
    const section = screen.getByRole("region", { name: "Timeline preview" });
    expect(await within(section).findByRole("alert")).toHaveTextContent(
      "No contact in Dynamics 365 has the email or ID",
    );
    expect(screen.queryByRole("list", { name: /Timeline of/ })).not.toBeInTheDocument();
  });

  test("the schedule and the preview read in Japanese", async () => {
    mockBackend({ ...linked(), get_preferences: () => ({ language: "ja" }) });
    await open();
    expect(await screen.findByRole("combobox", { name: "自動実行" })).toBeInTheDocument();
    expect(screen.getByRole("form", { name: "取引先担当者のタイムラインをプレビュー" })).toBeInTheDocument();
  });
});
