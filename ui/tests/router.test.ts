import { describe, expect, test } from "vitest";
import { href, parseHash, settingsSections } from "../src/lib/router";

describe("router", () => {
  test("empty and unknown hashes are Home", () => {
    for (const hash of ["", "#", "#/", "#/nope", "#/settings/nope"]) {
      expect(parseHash(hash)).toEqual({ page: "home" });
    }
  });

  test("#/settings opens the Salesforce page first", () => {
    expect(parseHash("#/settings")).toEqual({ page: "settings", section: "salesforce" });
  });

  test("every section round-trips through its hash", () => {
    for (const section of settingsSections) {
      const route = { page: "settings", section } as const;
      expect(parseHash(href(route))).toEqual(route);
    }
    expect(href({ page: "home" })).toBe("#/");
  });
});
