import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import App from "../src/App.svelte";
import { en } from "../src/lib/i18n/en";
import { ja } from "../src/lib/i18n/ja";
import { called, connections, failWith, healthReport, mockBackend } from "./backend";

const japaneseSections = [
  "一般",
  "Salesforce",
  "Marketo",
  "Dynamics 365",
  "Adobe Campaign",
  "連携情報",
  "ユーザー管理",
  "データ同期",
  "ユーザー一覧",
  "エクスポート",
  "監査ログ",
];

function leaves(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leaves(child, prefix ? `${prefix}.${key}` : key),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Language", () => {
  test("Japanese has a translation for every English text", () => {
    expect(leaves(ja)).toEqual(leaves(en));
    for (const key of leaves(ja)) {
      const text = key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], ja);
      expect(text, key).not.toBe("");
    }
  });

  test("switching to 日本語 calls set_language and turns the UI Japanese", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    window.history.replaceState(null, "", "#/settings/general");
    render(App);

    const select = await screen.findByRole("combobox", { name: "Language" });
    expect(select).toHaveValue("en");
    await user.selectOptions(select, "日本語");

    expect(await screen.findByRole("heading", { level: 1, name: "一般" })).toBeInTheDocument();
    expect(called(calls, "set_language").map((call) => call.args)).toEqual([{ language: "ja" }]);
    expect(document.documentElement.lang).toBe("ja");
    expect(screen.getByRole("combobox", { name: "言語" })).toHaveValue("ja");
    expect(screen.getByRole("button", { name: "設定" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "ホーム" })).toBeInTheDocument();

    const nav = screen.getByRole("navigation", { name: "設定セクション" });
    for (const name of japaneseSections) {
      await user.click(within(nav).getByRole("link", { name }));
      expect(await screen.findByRole("heading", { level: 1, name })).toBeInTheDocument();
    }

    await user.click(screen.getByRole("link", { name: "ホーム" }));
    expect(await screen.findByRole("heading", { level: 1, name: "セットアップ" })).toBeInTheDocument();
    expect(await screen.findByRole("listitem", { name: /Salesforce を接続する 完了/ })).toHaveTextContent(
      "Marketo 管理者または Salesforce 管理者",
    );
  });

  test("the stored preference decides the language at startup", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }) });
    render(App);
    expect(await screen.findByRole("heading", { level: 1, name: "セットアップ" })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe("ja");
  });

  test("the system preference follows the webview locale", async () => {
    vi.stubGlobal("navigator", { ...navigator, language: "ja-JP" });
    mockBackend({ get_preferences: () => ({ language: "system" }) });
    render(App);
    expect(await screen.findByRole("heading", { level: 1, name: "セットアップ" })).toBeInTheDocument();
  });

  test("a language that cannot be saved switches back and says why", async () => {
    mockBackend({
      set_language: failWith({
        code: "store_unavailable",
        message: "The workspace database is locked by another Liaison.",
        details: null,
      }),
    });
    const user = userEvent.setup();
    window.history.replaceState(null, "", "#/settings/general");
    render(App);

    await user.selectOptions(await screen.findByRole("combobox", { name: "Language" }), "日本語");
    expect(await screen.findByRole("alert")).toHaveTextContent("The workspace database is locked by another Liaison.");
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "General" })).toBeInTheDocument());
    expect(screen.getByRole("combobox", { name: "Language" })).toHaveValue("en");
  });

  test("the Dynamics 365 form and the health checklist are Japanese too; backend details stay as sent", async () => {
    mockBackend({ get_preferences: () => ({ language: "ja" }), connection_check: () => healthReport(connections[0]!) });
    const user = userEvent.setup();
    window.history.replaceState(null, "", "#/settings/dynamics");
    render(App);
    const form = await screen.findByRole("form", { name: "Dynamics 365 の接続を追加" });
    const usableBy = within(form).getByRole("group", { name: "この接続を使用できるユーザー" });
    expect(within(usableBy).getByRole("radio", { name: "管理者" })).toBeChecked();
    await user.click(within(form).getByRole("button", { name: "サインインして接続" }));
    expect(within(form).getByRole("textbox", { name: "表示名" })).toHaveAccessibleDescription(
      /^表示名を入力してください。/,
    );

    await user.click(screen.getByRole("link", { name: "Salesforce" }));
    await user.click(await screen.findByRole("button", { name: "Acme production org を確認" }));
    const list = await screen.findByRole("list", { name: "Acme production org の状態" });
    expect(list).toHaveTextContent("活動の ToDo としての記録");
    expect(list).toHaveTextContent("要対応");
    expect(list).toHaveTextContent("Grant Create on Task.");
  });
});
