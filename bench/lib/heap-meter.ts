import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** What `HeapMeter.stop` reports for the measured interval. */
export interface HeapReport {
  /** JS heap bytes allocated: growth of the used heap plus everything the collections freed. */
  allocatedBytes: number;
  /** Time spent in garbage collection (PerformanceObserver 'gc' entries), ms. */
  gcMs: number;
  gcCount: number;
  elapsedMs: number;
}

/**
 * Heap bytes allocated and GC time over an interval. V8 has no allocation counter in `getHeapStatistics` here, so
 * allocation = used_heap_size(end) − used_heap_size(start) + Σ over collections (used before − used after), read
 * from `v8.GCProfiler`; GC time comes from a PerformanceObserver on 'gc' entries.
 */
export class HeapMeter {
  #profiler: v8.GCProfiler | null = null;
  #observer: PerformanceObserver | null = null;
  #used0 = 0;
  #t0 = 0;
  #gcMs = 0;
  #gcCount = 0;

  start(): void {
    this.#gcMs = 0;
    this.#gcCount = 0;
    this.#observer = new PerformanceObserver((list) => this.#add(list.getEntries()));
    this.#observer.observe({ entryTypes: ['gc'] });
    this.#profiler = new v8.GCProfiler();
    this.#profiler.start();
    this.#used0 = v8.getHeapStatistics().used_heap_size;
    this.#t0 = performance.now();
  }

  stop(): HeapReport {
    const elapsedMs = performance.now() - this.#t0;
    const used1 = v8.getHeapStatistics().used_heap_size;
    const stats = this.#profiler?.stop()?.statistics ?? [];
    let freed = 0;
    for (const s of stats) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    if (this.#observer) {
      this.#add(this.#observer.takeRecords());
      this.#observer.disconnect();
    }
    return { allocatedBytes: used1 - this.#used0 + freed, gcMs: this.#gcMs, gcCount: this.#gcCount, elapsedMs };
  }

  #add(entries: ReadonlyArray<{ duration: number }>): void {
    for (const e of entries) { this.#gcMs += e.duration; this.#gcCount++; }
  }
}
