// Routing by location hash (`#/settings/salesforce`), so Back and Forward work inside the
// webview without a server. Pure functions; App.svelte owns the reactive current route.

export const settingsSections = [
  "general",
  "salesforce",
  "marketo",
  "dynamics",
  "campaign",
  "integration",
  "users",
  "sync",
  "people",
  "exports",
  "campaign-dynamics",
  "audit",
] as const;

export type SettingsSection = (typeof settingsSections)[number];

export type Route = { page: "home" } | { page: "settings"; section: SettingsSection };

/** The page the gear opens the first time. */
export const defaultSettingsSection: SettingsSection = "salesforce";

export const homeRoute: Route = { page: "home" };

function isSection(value: string): value is SettingsSection {
  return (settingsSections as readonly string[]).includes(value);
}

/** Reads a route from a location hash; anything unknown is Home. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] !== "settings") return homeRoute;
  const section = parts[1];
  if (section === undefined) return { page: "settings", section: defaultSettingsSection };
  return isSection(section) ? { page: "settings", section } : homeRoute;
}

/** The hash (and link target) for a route. */
export function href(route: Route): string {
  return route.page === "home" ? "#/" : `#/settings/${route.section}`;
}

export function settingsHref(section: SettingsSection): string {
  return href({ page: "settings", section });
}

/** Navigates by changing the hash, which adds a history entry and fires `hashchange`. */
export function navigate(route: Route): void {
  window.location.hash = href(route);
}
