// Light and dark themes follow the OS (`prefers-color-scheme`): both palettes define the same
// colours, and text stays readable on every background it is drawn on (WCAG 2 AA).
import { describe, expect, it } from "vitest";
import css from "../src/app.css?raw";

type Palette = Map<string, string>;

/** The colour custom properties (`--name: #rrggbb`) of one CSS block. */
function colours(block: string): Palette {
  const found: Palette = new Map();
  for (const m of block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\s*;/gi)) {
    found.set(m[1]!, m[2]!.toLowerCase());
  }
  return found;
}

/** The body of the first `:root { … }` after `from`. */
function rootBlock(from: number): string {
  const start = css.indexOf(":root {", from);
  expect(start).toBeGreaterThanOrEqual(0);
  return css.slice(start, css.indexOf("}", start));
}

const darkAt = css.indexOf("@media (prefers-color-scheme: dark)");
const light = colours(rootBlock(0));
const dark = colours(rootBlock(darkAt));

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(palette: Palette, fg: string, bg: string): number {
  const [a, b] = [luminance(palette.get(fg)!), luminance(palette.get(bg)!)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** Text colours and the backgrounds the stylesheet draws them on. */
const TEXT: [string, string[]][] = [
  ["fg", ["bg", "surface", "surface-sunken", "neutral-soft", "accent-soft"]],
  ["fg-muted", ["bg", "surface", "surface-sunken"]],
  ["accent", ["bg", "surface", "accent-soft"]],
  ["accent-fg", ["accent"]],
  ["topbar-fg", ["topbar-bg"]],
  ["ok", ["surface", "ok-soft"]],
  ["warn", ["surface", "warn-soft"]],
  ["danger", ["surface", "danger-soft"]],
];

describe("themes that follow the OS", () => {
  it("declares both schemes and a dark palette for prefers-color-scheme: dark", () => {
    expect(css).toMatch(/color-scheme:\s*light dark/);
    expect(darkAt).toBeGreaterThan(0);
    expect(light.size).toBeGreaterThan(10);
  });

  it("gives the dark palette every colour of the light one, and no other", () => {
    expect([...dark.keys()].sort()).toEqual([...light.keys()].sort());
    for (const [name, value] of dark) {
      expect(value, `--${name} is the same in both themes`).not.toBe(light.get(name));
    }
  });

  for (const [scheme, palette] of [
    ["light", light],
    ["dark", dark],
  ] as const) {
    it(`keeps text at 4.5:1 or more on its backgrounds in the ${scheme} theme`, () => {
      const poor: string[] = [];
      for (const [fg, backgrounds] of TEXT) {
        for (const bg of backgrounds) {
          const ratio = contrast(palette, fg, bg);
          if (ratio < 4.5) poor.push(`--${fg} on --${bg}: ${ratio.toFixed(2)}:1`);
        }
      }
      expect(poor).toEqual([]);
    });

    it(`keeps the focus ring and control borders at 3:1 or more in the ${scheme} theme`, () => {
      expect(contrast(palette, "focus", "surface")).toBeGreaterThanOrEqual(3);
      expect(contrast(palette, "focus", "bg")).toBeGreaterThanOrEqual(3);
      // Inputs, selects and buttons are outlined with --border-strong (WCAG 1.4.11).
      expect(contrast(palette, "border-strong", "surface")).toBeGreaterThanOrEqual(3);
      expect(contrast(palette, "border-strong", "bg")).toBeGreaterThanOrEqual(3);
    });

    it(`keeps chart bars and the quota line at 3:1 or more on the surface in the ${scheme} theme`, () => {
      const charts = [...palette.keys()].filter((name) => name.startsWith("chart-"));
      expect(charts.length).toBeGreaterThanOrEqual(8);
      // WCAG 1.4.11: graphical objects needed to understand the chart.
      const poor = charts.filter((name) => contrast(palette, name, "surface") < 3);
      expect(poor).toEqual([]);
    });
  }
});
