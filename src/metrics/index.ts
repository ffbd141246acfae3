/** A small Prometheus text-format registry: counters, gauges read at scrape time, histograms. */
type Labels = Record<string, string>;

const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const fmt = (labels: Labels, extra: Labels = {}) => {
  const all = { ...labels, ...extra };
  const parts = Object.entries(all).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    const values = new Map<string, { labels: Labels; value: number }>();
    this.metrics.push({
      name, help, type: 'counter',
      lines: () => [...values.values()].map((v) => `${name}${fmt(v.labels)} ${v.value}`),
    });
    return {
      inc(labels = {}, by = 1) {
        const k = key(labels);
        const entry = values.get(k) ?? { labels, value: 0 };
        entry.value += by;
        values.set(k, entry);
      },
    };
  }

  /** A gauge whose samples are read when scraped, so it never goes stale. */
  gauge(name: string, help: string, read: () => Array<{ labels?: Labels; value: number }>): void {
    this.metrics.push({
      name, help, type: 'gauge',
      lines: () => read().map((s) => `${name}${fmt(s.labels ?? {})} ${s.value}`),
    });
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
    this.metrics.push({
      name, help, type: 'histogram',
      lines: () =>
        [...values.values()].flatMap((v) => [
          ...buckets.map((b, i) => `${name}_bucket${fmt(v.labels, { le: String(b) })} ${v.counts[i]}`),
          `${name}_bucket${fmt(v.labels, { le: '+Inf' })} ${v.count}`,
          `${name}_sum${fmt(v.labels)} ${v.sum}`,
          `${name}_count${fmt(v.labels)} ${v.count}`,
        ]),
    });
    return {
      observe(labels, value) {
        const k = key(labels);
        const entry = values.get(k) ?? { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
        buckets.forEach((b, i) => {
          if (value <= b) entry.counts[i]!++;
        });
        entry.sum += value;
        entry.count++;
        values.set(k, entry);
      },
    };
  }

  render(): string {
    return this.metrics
      .map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()].join('\n'))
      .join('\n') + '\n';
  }
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
