/**
 * A small SVG chart of the last minute of engine samples: KV cache in use (filled area) and
 * running sequences (step line), each scaled to its own peak. The legend is HTML above the chart,
 * so its text has the page's font size whatever width the sidebar gives the SVG. Colours come
 * from CSS (the theme's variables), so the chart follows light / dark mode.
 */
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 280;
const HEIGHT = 90;

export interface ChartSample {
  /** performance.now() of the sample, ms. */
  readonly at: number;
  readonly blocksUsed: number;
  readonly running: number;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export class KvChart {
  readonly root = document.createElement('div');
  private readonly svg = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'kv-chart', role: 'img' });
  private readonly legend = document.createElement('div');
  private readonly kvLegend = document.createElement('span');
  private readonly runningLegend = document.createElement('span');
  private readonly area = svg('path', { class: 'kv-area' });
  private readonly line = svg('polyline', { class: 'kv-line', fill: 'none' });
  private readonly running = svg('polyline', { class: 'running-line', fill: 'none' });

  constructor(private readonly windowMs = 60_000) {
    const grid = svg('g', { class: 'chart-grid' });
    for (const y of [0.25, 0.5, 0.75]) grid.append(svg('line', { x1: '0', x2: String(WIDTH), y1: String(HEIGHT * y), y2: String(HEIGHT * y) }));
    this.svg.append(grid, this.area, this.line, this.running);
    this.svg.setAttribute('aria-label', 'KV cache in use and running sequences over the last minute');
    this.legend.className = 'chart-legend';
    this.kvLegend.className = 'legend-kv';
    this.runningLegend.className = 'legend-running';
    this.legend.append(this.kvLegend, this.runningLegend);
    this.root.append(this.legend, this.svg);
    this.clear();
  }

  /** No samples (no engine, or a new one). */
  clear(): void {
    for (const shape of [this.line, this.running]) shape.setAttribute('points', '');
    this.area.setAttribute('d', '');
    this.kvLegend.textContent = 'KV in use';
    this.runningLegend.textContent = 'running';
  }

  /** `blockSize` turns blocks into tokens for the legend. */
  draw(samples: readonly ChartSample[], blocksTotal: number, blockSize: number): void {
    const last = samples.at(-1);
    if (last === undefined) return;
    // The last minute, or everything since the first sample while there is less.
    const start = Math.max(last.at - this.windowMs, samples[0]!.at);
    const span = Math.max(last.at - start, 1);
    const visible = samples.filter((sample) => sample.at >= start);
    // Scale to what was used, so a few blocks of a big pool are still visible; never above the pool.
    const peakBlocks = Math.min(blocksTotal, Math.max(16, ...visible.map((sample) => sample.blocksUsed)) * 1.2);
    const peakRunning = Math.max(4, ...visible.map((sample) => sample.running));
    const x = (at: number) => ((at - start) / span) * WIDTH;
    const y = (value: number, peak: number) => HEIGHT - (value / peak) * (HEIGHT - 14);
    const blocks = visible.map((sample) => `${x(sample.at).toFixed(1)},${y(sample.blocksUsed, peakBlocks).toFixed(1)}`);
    const first = visible[0]!;
    this.line.setAttribute('points', blocks.join(' '));
    this.area.setAttribute('d', `M${x(first.at).toFixed(1)},${HEIGHT} L${blocks.join(' L')} L${x(last.at).toFixed(1)},${HEIGHT} Z`);
    // Running sequences as a step line: the batch size holds until the next sample.
    const steps = visible.flatMap((sample, i) => {
      const next = visible[i + 1];
      const yValue = y(sample.running, peakRunning).toFixed(1);
      return [`${x(sample.at).toFixed(1)},${yValue}`, ...(next === undefined ? [] : [`${x(next.at).toFixed(1)},${yValue}`])];
    });
    this.running.setAttribute('points', steps.join(' '));
    this.kvLegend.textContent = `KV in use: ${(last.blocksUsed * blockSize).toLocaleString('en-US')} tokens (top: ${(Math.round(peakBlocks) * blockSize).toLocaleString('en-US')})`;
    this.runningLegend.textContent = `running: ${last.running} (top: ${peakRunning})`;
  }
}
