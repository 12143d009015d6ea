import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../src/App.svelte";
import type { Definition, SegmentPreview } from "../src/lib/api/bindings";
import { called, failWith, mockBackend, segmentPreview, type Call } from "./backend";

async function openSegments() {
  window.history.replaceState(null, "", "#/settings/exports");
  const user = userEvent.setup();
  render(App);
  await screen.findByRole("heading", { level: 1, name: "Exports" });
  await user.click(screen.getByRole("tab", { name: "Segments" }));
  expect(screen.getByRole("tab", { name: "Segments" })).toHaveAttribute("aria-selected", "true");
  return user;
}

async function openEditor(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "New segment" }));
  return screen.findByRole("form", { name: "New segment" });
}

function options(select: HTMLElement): string[] {
  return within(select)
    .getAllByRole("option")
    .map((option) => option.textContent?.trim() ?? "");
}

/** The definition the latest segment_preview asked for. */
function lastPreview(calls: Call[]): Definition | undefined {
  return called(calls, "segment_preview").at(-1)?.args.definition as Definition | undefined;
}

describe("Segments list", () => {
  test("lists the segments with their rules in words, a problem clearly, and Edit and Delete", async () => {
    mockBackend();
    await openSegments();
    const table = await screen.findByRole("table", { name: "Segments" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Japan");
    expect(rows[0]).toHaveTextContent("Country is Japan and Unsubscribed is No");
    expect(within(rows[0]!).getByRole("button", { name: "Edit segment Japan" })).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("button", { name: "Delete segment Japan" })).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent("Needs attention");
    expect(rows[1]).toHaveTextContent("The field “custom_tier” no longer exists");
  });

  test("Delete asks first, then deletes by name and reloads the list", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await user.click(await screen.findByRole("button", { name: "Delete segment Japan" }));
    const dialog = screen.getByRole("dialog", { name: "Delete the segment “Japan”?" });
    expect(called(calls, "segment_delete")).toEqual([]);
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();

    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(called(calls, "segment_delete").map((call) => call.args)).toEqual([{ name: "Japan" }]);
    expect(await screen.findByRole("status")).toHaveTextContent("Segment “Japan” deleted.");
    expect(screen.getByRole("button", { name: "New segment" })).toHaveFocus();
    await waitFor(() => expect(called(calls, "segments_list")).toHaveLength(2));
  });

  test("a failed delete shows the backend's error", async () => {
    mockBackend({
      segment_delete: failWith({ code: "not_found", message: "There is no segment “Japan”.", details: null }),
    });
    const user = await openSegments();
    await user.click(await screen.findByRole("button", { name: "Delete segment Japan" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("There is no segment “Japan”.");
  });
});

describe("Rule editor", () => {
  test("editing a rule asks segment_preview (debounced) and shows the count and the sample", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await openEditor(user);
    expect(screen.getByRole("heading", { level: 2, name: "New segment" })).toHaveFocus();

    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 1 field" }), "country");
    await user.type(screen.getByRole("textbox", { name: "Rule 1 value" }), "Japan");

    await waitFor(() =>
      expect(lastPreview(calls)).toEqual({
        match: "all",
        rules: [{ field: "country", op: "is", value: "Japan", values: [] }],
      }),
    );
    // Keystrokes within 250 ms of each other are one request.
    const values = called(calls, "segment_preview").map((call) => (call.args.definition as Definition).rules[0]?.value);
    expect(values).not.toContain("Jap");

    const count = await screen.findByText("1,234 people match");
    expect(count.closest("[aria-live]")).toHaveAttribute("aria-live", "polite");
    const sample = screen.getByRole("table", { name: "Matching people (first 2)" });
    const rows = within(sample).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveTextContent("aiko.tanaka@example.jp");
    expect(rows[0]).toHaveTextContent("Aiko Tanaka");
    expect(rows[0]).toHaveTextContent("Tanaka Trading");
    expect(rows[0]).toHaveTextContent("Japan");

    await user.click(screen.getByRole("radio", { name: "Any of these rules" }));
    await waitFor(() => expect(lastPreview(calls)?.match).toBe("any"));
  });

  test("only the latest preview's answer is shown", async () => {
    const answers: Array<(preview: SegmentPreview) => void> = [];
    mockBackend({ segment_preview: () => new Promise((resolve) => answers.push(resolve)) });
    const user = await openSegments();
    await openEditor(user);
    await waitFor(() => expect(answers).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await waitFor(() => expect(answers).toHaveLength(2));

    answers[1]!({ count: 7, sample: [] });
    expect(await screen.findByText("7 people match")).toBeInTheDocument();
    answers[0]!({ count: 9999, sample: [] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByText("9,999 people match")).not.toBeInTheDocument();
    expect(screen.getByText("7 people match")).toBeInTheDocument();
  });

  test("the operators and the value follow the field's kind", async () => {
    mockBackend();
    const user = await openSegments();
    await openEditor(user);
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    const field = screen.getByRole("combobox", { name: "Rule 1 field" });
    const operator = () => screen.getByRole("combobox", { name: "Rule 1 operator" });

    expect(options(field)).toEqual([
      "Email",
      "Country",
      "Unsubscribed",
      "Last changed",
      "Known in",
      "Industry (custom)",
    ]);
    expect(options(operator())).toEqual([
      "is",
      "is not",
      "contains",
      "starts with",
      "ends with",
      "is empty",
      "is not empty",
      "is one of",
      "less than",
      "greater than",
    ]);
    await user.selectOptions(operator(), "is_empty");
    expect(screen.queryByRole("textbox", { name: "Rule 1 value" })).not.toBeInTheDocument();

    await user.selectOptions(field, "unsubscribed");
    expect(options(operator())).toEqual(["is", "is not"]);
    expect(options(screen.getByRole("combobox", { name: "Rule 1 value" }))).toEqual(["Yes", "No"]);

    await user.selectOptions(field, "updated_at");
    expect(options(operator())).toEqual(["before", "after", "is empty", "is not empty"]);
    expect(screen.getByLabelText("Rule 1 value")).toHaveAttribute("type", "date");

    await user.selectOptions(field, "known_in");
    expect(options(operator())).toEqual(["is", "is not"]);
    expect(options(screen.getByRole("combobox", { name: "Rule 1 value" }))).toEqual([
      "Marketo",
      "Salesforce",
      "Dynamics 365",
    ]);

    await user.click(screen.getByRole("button", { name: "Remove rule 1" }));
    expect(screen.queryByRole("combobox", { name: "Rule 1 field" })).not.toBeInTheDocument();
    expect(screen.getByText("No rules yet: everyone in the cache matches.")).toBeInTheDocument();
  });

  test("one of sends the comma-separated values as `values`", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await openEditor(user);
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 1 field" }), "country");
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 1 operator" }), "one_of");
    const value = screen.getByRole("textbox", { name: "Rule 1 value" });
    expect(value).toHaveAccessibleDescription("Separate the values with commas.");
    await user.type(value, "Japan, France ,");

    await waitFor(() =>
      expect(lastPreview(calls)?.rules).toEqual([
        { field: "country", op: "one_of", value: null, values: ["Japan", "France"] },
      ]),
    );
  });

  test("an invalid rule shows the backend's message instead of the count", async () => {
    mockBackend({
      segment_preview: (args) => {
        const definition = args.definition as Definition;
        if (definition.rules.some((rule) => rule.value === ""))
          throw {
            code: "invalid_input",
            message: "The rule “email is ” needs a value to compare with.",
            details: null,
          };
        return segmentPreview;
      },
    });
    const user = await openSegments();
    await openEditor(user);
    expect(await screen.findByText("1,234 people match")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Add rule" }));
    expect(await screen.findByText("The rule “email is ” needs a value to compare with.")).toBeInTheDocument();
    expect(screen.queryByText("1,234 people match")).not.toBeInTheDocument();
    expect(screen.queryByRole("table", { name: /Matching people/ })).not.toBeInTheDocument();

    await user.type(screen.getByRole("textbox", { name: "Rule 1 value" }), "@acme.example");
    expect(await screen.findByText("1,234 people match")).toBeInTheDocument();
  });

  test("Save calls segment_create with the name and the definition, then shows the list", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await openEditor(user);
    await user.type(screen.getByRole("textbox", { name: "Name" }), "  Unsubscribed in Japan ");
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 1 field" }), "unsubscribed");
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 2 field" }), "known_in");
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 2 operator" }), "is_not");
    await user.selectOptions(screen.getByRole("combobox", { name: "Rule 2 value" }), "salesforce");
    await user.click(screen.getByRole("button", { name: "Save segment" }));

    expect(called(calls, "segment_create").map((call) => call.args)).toEqual([
      {
        name: "Unsubscribed in Japan",
        definition: {
          match: "all",
          rules: [
            { field: "unsubscribed", op: "is", value: "yes", values: [] },
            { field: "known_in", op: "is_not", value: "salesforce", values: [] },
          ],
        },
      },
    ]);
    expect(await screen.findByRole("status")).toHaveTextContent("Segment “Unsubscribed in Japan” saved.");
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "New segment" })).toHaveFocus();
  });

  test("a failed save keeps the editor open with the error; a name is required", async () => {
    const calls = mockBackend({
      segment_create: failWith({ code: "conflict", message: "A segment named “Japan” exists already.", details: null }),
    });
    const user = await openSegments();
    await openEditor(user);
    await user.click(screen.getByRole("button", { name: "Save segment" }));
    expect(screen.getByRole("textbox", { name: "Name" })).toHaveFocus();
    expect(screen.getByRole("textbox", { name: "Name" })).toHaveAccessibleDescription("Enter a name for the segment.");
    expect(called(calls, "segment_create")).toEqual([]);

    await user.type(screen.getByRole("textbox", { name: "Name" }), "Japan");
    await user.click(screen.getByRole("button", { name: "Save segment" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("A segment named “Japan” exists already.");
    expect(screen.getByRole("form", { name: "New segment" })).toBeInTheDocument();
  });

  test("Edit opens the segment's rules and Save updates it under its old name", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await user.click(await screen.findByRole("button", { name: "Edit segment Japan" }));
    await screen.findByRole("form", { name: "Edit segment “Japan”" });
    expect(screen.getByRole("combobox", { name: "Rule 1 field" })).toHaveValue("country");
    expect(screen.getByRole("textbox", { name: "Rule 1 value" })).toHaveValue("Japan");
    expect(screen.getByRole("combobox", { name: "Rule 2 value" })).toHaveValue("no");

    const name = screen.getByRole("textbox", { name: "Name" });
    await user.clear(name);
    await user.type(name, "Japan (subscribed)");
    await user.click(screen.getByRole("button", { name: "Save segment" }));
    expect(called(calls, "segment_update").map((call) => call.args)).toEqual([
      {
        name: "Japan",
        new_name: "Japan (subscribed)",
        definition: {
          match: "all",
          rules: [
            { field: "country", op: "is", value: "Japan", values: [] },
            { field: "unsubscribed", op: "is", value: "no", values: [] },
          ],
        },
      },
    ]);
  });

  test("Cancel closes the editor without saving", async () => {
    const calls = mockBackend();
    const user = await openSegments();
    await openEditor(user);
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    expect(called(calls, "segment_create")).toEqual([]);
  });
});
