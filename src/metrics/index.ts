import client from 'prom-client';

type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/**
 * Node's process metrics (prom-client's defaults: CPU, memory, handles, GC, and the event-loop lag,
 * the sign of scrypt or Chromium work crowding the loop). Made once per process, however many
 * services a process runs (tests run many): each collection keeps an event-loop monitor running.
 */
let processMetrics: client.Registry | undefined;
function processRegistry(): client.Registry {
  if (!processMetrics) {
    processMetrics = new client.Registry();
    client.collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** The service's metrics on prom-client; a scrape shows the process's own alongside. */
export class Registry {
  private readonly own = new client.Registry();
  private readonly process = processRegistry();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const counter = new client.Counter({ name, help, labelNames, registers: [this.own] });
    return { inc: (labels = {}, by = 1) => counter.inc(labels, by) };
  }

  /** A gauge whose samples are read when scraped, so it never goes stale. */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Array<{ labels?: Labels; value: number }>): void {
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [this.own],
      collect() {
        this.reset();
        for (const sample of read()) this.set(sample.labels ?? {}, sample.value);
      },
    });
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: number[]): Histogram {
    const histogram = new client.Histogram({ name, help, labelNames, buckets, registers: [this.own] });
    return { observe: (labels, value) => histogram.observe(labels, value) };
  }

  readonly contentType = client.Registry.PROMETHEUS_CONTENT_TYPE;

  /** Prometheus text: the service's metrics, then the process's. */
  async render(): Promise<string> {
    return `${await this.own.metrics()}\n${await this.process.metrics()}`;
  }
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
