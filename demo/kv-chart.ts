/**
 * A small SVG chart of the last minute of engine samples: KV blocks in use (filled area, left
 * scale) and running sequences (line, right scale). Colours come from CSS (currentColor and the
 * theme's variables), so the chart follows light / dark mode.
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
  readonly root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'kv-chart', role: 'img' });
  private readonly area = svg('path', { class: 'kv-area' });
  private readonly line = svg('polyline', { class: 'kv-line', fill: 'none' });
  private readonly running = svg('polyline', { class: 'running-line', fill: 'none' });
  private readonly topLabel = svg('text', { x: '4', y: '11', class: 'chart-label' });
  private readonly runningLabel = svg('text', { x: String(WIDTH - 4), y: '11', class: 'chart-label running-label', 'text-anchor': 'end' });

  constructor(private readonly windowMs = 60_000) {
    const grid = svg('g', { class: 'chart-grid' });
    for (const y of [0.25, 0.5, 0.75]) grid.append(svg('line', { x1: '0', x2: String(WIDTH), y1: String(HEIGHT * y), y2: String(HEIGHT * y) }));
    this.root.append(grid, this.area, this.line, this.running, this.topLabel, this.runningLabel);
    this.root.setAttribute('aria-label', 'KV blocks in use and running sequences over the last minute');
  }

  draw(samples: readonly ChartSample[], blocksTotal: number): void {
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
    this.topLabel.textContent = `KV blocks: ${last.blocksUsed} (scale ${Math.round(peakBlocks)} of ${blocksTotal})`;
    this.runningLabel.textContent = `running: ${last.running} (scale ${peakRunning})`;
  }
}
