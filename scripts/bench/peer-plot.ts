/**
 * The recall–queries/s plot of one `bench:peers` workload, drawn by Vega-Lite and rendered to SVG by
 * Vega's headless renderer in Node (no browser, no canvas: text is measured by estimate).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface PlotPoint {
  readonly method: string;
  readonly recall: number;
  readonly qps: number;
  /** Order of the point along its method's sweep (lines join points in this order). */
  readonly step: number;
}

export async function recallQpsSvg(title: string, points: readonly PlotPoint[]): Promise<string> {
  const encoding = {
    x: { field: 'recall', type: 'quantitative', title: 'recall@10', scale: { zero: false } },
    y: { field: 'qps', type: 'quantitative', title: 'queries/s (one core)', scale: { type: 'log' } },
    color: { field: 'method', type: 'nominal', title: 'method', legend: { labelLimit: 400 } },
    order: { field: 'step', type: 'quantitative' },
  } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 360,
    background: 'white',
    layer: [
      {
        data: { values: points.map((point) => ({ ...point })) },
        encoding,
        layer: [
          { mark: { type: 'line', opacity: 0.6 }, transform: [{ filter: "datum.method !== 'squash grid'" }] },
          { mark: { type: 'point', filled: true, size: 40 } },
        ],
      },
      {
        data: { values: [{ recall: 0.95 }, { recall: 0.99 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' },
        encoding: { x: { field: 'recall', type: 'quantitative' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
