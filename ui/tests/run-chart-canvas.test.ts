// RunChart where a canvas can be drawn: the chart is an image with a name and a description, the
// table stays in the page for screen readers and "Show as table" shows it; the daily quota is a
// line; with reduced motion nothing animates. Chart.js itself is replaced by a recorder.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import RunChart from "../src/lib/components/RunChart.svelte";

type Config = {
  data: { labels: string[]; datasets: { type: string; label: string; data: number[] }[] };
  options: { animation: unknown };
};

const drawn = vi.hoisted(() => ({ configs: [] as unknown[], destroyed: 0 }));

vi.mock("chart.js", () => {
  class Chart {
    static register(): void {}
    constructor(_context: unknown, config: unknown) {
      drawn.configs.push(config);
    }
    destroy(): void {
      drawn.destroyed++;
    }
  }
  const part = {};
  return {
    Chart,
    BarController: part,
    BarElement: part,
    CategoryScale: part,
    Legend: part,
    LineController: part,
    LineElement: part,
    LinearScale: part,
    PointElement: part,
    Tooltip: part,
  };
});

function reducedMotion(reduce: boolean): void {
  vi.stubGlobal("matchMedia", (query: string) => ({
    matches: reduce && query.includes("reduced-motion"),
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  }));
}

beforeEach(() => {
  drawn.configs = [];
  drawn.destroyed = 0;
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({} as CanvasRenderingContext2D);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const props = {
  title: "Marketo: API calls per day",
  description: "1,540 calls over 14 days.",
  categoryHeader: "Day (UTC)",
  categories: ["Dec 6", "Dec 7"],
  series: [{ label: "API calls", color: "--chart-updated", values: [1200, 340] }],
  ceiling: { label: "Daily quota", value: 50000 },
  empty: "No API calls.",
};

describe("RunChart on a canvas", () => {
  test("is an image named by its title and described, with the table behind a keyboard toggle", async () => {
    reducedMotion(false);
    const user = userEvent.setup();
    render(RunChart, props);
    const image = screen.getByRole("img", { name: props.title });
    expect(image.querySelector("canvas")).not.toBeNull();
    expect(image).toHaveAccessibleDescription(props.description);

    // Hidden visually, still in the page for screen readers.
    const table = screen.getByRole("table", { name: props.title });
    expect(table.closest(".visually-hidden")).not.toBeNull();
    const toggle = screen.getByRole("button", { name: "Show as table" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await user.tab();
    expect(toggle).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("button", { name: "Hide table" })).toHaveAttribute("aria-expanded", "true");
    expect(table.closest(".visually-hidden")).toBeNull();
  });

  test("draws the bars and the daily quota as a line across every day", () => {
    reducedMotion(false);
    render(RunChart, props);
    const config = drawn.configs.at(-1) as Config;
    expect(config.data.labels).toEqual(["Dec 6", "Dec 7"]);
    expect(config.data.datasets.map((d) => [d.type, d.label, d.data])).toEqual([
      ["bar", "API calls", [1200, 340]],
      ["line", "Daily quota", [50000, 50000]],
    ]);
    expect(config.options.animation).not.toBe(false);
  });

  test("does not animate when the OS asks for reduced motion", () => {
    reducedMotion(true);
    render(RunChart, props);
    expect((drawn.configs.at(-1) as Config).options.animation).toBe(false);
  });
});
