import { render, screen, within } from "@testing-library/svelte";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import { mockBackend, setupOverview } from "./backend";

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
    expect(screen.queryByText("Loading…")).not.toBeInTheDocument();
  });
});
