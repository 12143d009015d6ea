/** One series of a run chart: a bar per category, coloured by a CSS custom property. */
export type ChartSeries = {
  label: string;
  /** A `--chart-*` custom property from app.css, so the colour follows the light/dark theme. */
  color: string;
  values: readonly number[];
};

/** A horizontal line across the chart, e.g. a system's daily API quota. */
export type ChartCeiling = {
  label: string;
  value: number;
};

/** One outcome of a run: its words, its `--chart-*` colour and its count in a run. */
export type RunOutcome<Run> = { label: string; color: string; count: (run: Run) => number };

/** The colour a CSS custom property holds on the document (empty outside a browser). */
export function cssColor(property: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(property).trim();
}
