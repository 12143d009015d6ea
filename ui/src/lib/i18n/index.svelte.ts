import i18next from "i18next";
import type { LanguagePreference } from "../api/bindings";
import { en } from "./en";
import { ja } from "./ja";

/** The shape every translation must have: en.ts with its strings widened. */
export type Messages = Widen<typeof en>;
type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

/** Dotted paths to every string in en.ts, e.g. "setup.steps.workspace". */
export type MessageKey = Leaves<typeof en>;
type Leaves<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${Leaves<T[K]>}`;
}[keyof T & string];

export type Language = "en" | "ja";

let current = $state<Language>("en");

// Initialised synchronously so that even the startup screens are translated.
void i18next.init({
  initAsync: false,
  lng: "en",
  fallbackLng: "en",
  supportedLngs: ["en", "ja"],
  resources: { en: { translation: en }, ja: { translation: ja } },
  // Svelte escapes text itself; i18next must not escape it a second time.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The language the UI is showing. Reading it inside a component makes that component follow changes. */
export function language(): Language {
  return current;
}

/** Translates `key`. Reactive: text re-renders when the language changes. */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  // Reading `current` registers the dependency for Svelte.
  const lng = current;
  return i18next.t(key, { ...values, lng });
}

/** Groups of texts keyed by identifiers the backend chooses (health items, checklist items). */
export type BackendKeyGroup = "health.items" | "setup.checklist";

/**
 * Translates `key` from `group`, or returns `fallback` when the UI has no text for it (a key
 * added to the backend after this build); e.g. `tBackend("health.items", "lists", "lists")`.
 */
export function tBackend(group: BackendKeyGroup, key: string, fallback: string): string {
  const lng = current;
  // Backend keys are snake_case; anything else could reach into i18next's own key syntax.
  const path = `${group}.${key}`;
  return /^[a-z0-9_]+$/.test(key) && i18next.exists(path, { lng }) ? i18next.t(path, { lng }) : fallback;
}

/** Maps a stored preference to a UI language; "system" follows the OS/webview locale. */
export function resolveLanguage(preference: LanguagePreference, systemLocale: string | undefined): Language {
  if (preference === "en" || preference === "ja") return preference;
  return systemLocale?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** The webview's locale, used for the "system" preference. */
export function systemLocale(): string | undefined {
  return typeof navigator === "undefined" ? undefined : navigator.language;
}

/** Switches the UI language and `<html lang>`. */
export function applyLanguage(lng: Language): void {
  void i18next.changeLanguage(lng);
  current = lng;
  document.documentElement.lang = lng;
}
