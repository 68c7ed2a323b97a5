/** Markdown tables of the model's figures (the CLI prints them; docs/cost-model.md embeds them). */
import type { ScenarioRow } from './aws-scenarios.ts';

export function vectorsLabel(n: number): string {
  if (n >= 1e9) return `${n / 1e9} B`;
  if (n >= 1e6) return `${n / 1e6} M`;
  return n.toLocaleString('en-US');
}

function bytesLabel(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function dollars(x: number): string {
  if (x >= 100) return `$${x.toFixed(0)}`;
  if (x >= 1) return `$${x.toFixed(2)}`;
  return `$${x.toPrecision(2)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The recommended configuration per index size and batch size, with its predicted figures. */
export function recommendedTable(rows: readonly ScenarioRow[]): string {
  return table(
    [
      'vectors',
      'batch',
      'target',
      'P',
      'G',
      'tree (b, l) / used',
      'memory MiB (alloc / proc)',
      'latency',
      'invocations',
      'peak concurrency',
      'payload in / to a processor',
      '$ per 1M queries',
      '$ per build',
      'storage $/month',
    ],
    rows.map(({ vectors, batchSize, latencyTargetMs, recommended, build }) => {
      const best = recommended.best;
      if (!best)
        return [
          vectorsLabel(vectors),
          String(batchSize),
          `${latencyTargetMs} ms`,
          ...Array(11).fill('none fits'),
        ];
      const { config: c, prediction: p } = best;
      const used = p.treeShape ? `${p.allocators} allocators` : 'in coordinator';
      return [
        vectorsLabel(vectors),
        String(batchSize),
        `${latencyTargetMs} ms${recommended.meetsTarget ? '' : ' (missed)'}`,
        String(c.partitions),
        String(c.processorFunctions),
        `(${c.treeBranching}, ${c.treeDepth}) / ${used}`,
        `${c.memoryMiB.allocator} / ${c.memoryMiB.processor}`,
        `${p.latencyMs.toFixed(0)} ms`,
        p.invocations.toFixed(1),
        p.peakConcurrency.toFixed(0),
        `${bytesLabel(p.bytes.request)} / ${bytesLabel(p.bytes.processorRequest)}`,
        dollars(p.costPerMillionQueries),
        build ? dollars(build.cost) : '–',
        build ? dollars(build.storagePerMonth) : '–',
      ];
    }),
  );
}

/** The stack's defaults with P = 64 at each size: what they cost and which limits they break. */
export function defaultsTable(rows: readonly ScenarioRow[]): string {
  return table(
    ['vectors', 'batch', 'latency', '$ per 1M queries', 'flags'],
    rows.map(({ vectors, batchSize, defaults }) => [
      vectorsLabel(vectors),
      String(batchSize),
      `${defaults.prediction.latencyMs.toFixed(0)} ms`,
      dollars(defaults.prediction.costPerMillionQueries),
      defaults.flags.length === 0 ? 'none' : defaults.flags.map((f) => `${f.code}: ${f.message}`).join('; '),
    ]),
  );
}

/** Candidates the recommendation evaluated and dropped, per limit. */
export function flaggedTable(rows: readonly ScenarioRow[]): string {
  return table(
    ['vectors', 'batch', 'candidates', 'dropped per limit'],
    rows.map(({ vectors, batchSize, recommended }) => [
      vectorsLabel(vectors),
      String(batchSize),
      String(recommended.evaluated),
      Object.entries(recommended.flagged)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ') || 'none',
    ]),
  );
}
