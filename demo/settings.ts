/**
 * The side panel's request settings: which of the page's tools the model is offered (a checkbox
 * each, all on at first), temperature and max tokens (blank → the model's generation_config
 * default / what fits in the context), whether the model thinks before answering (shown only for
 * a model whose template thinks, and only switchable where the template honours enable_thinking),
 * and whether replies run to max tokens whatever the model says (vLLM's ignore_eos, for measuring
 * throughput).
 */
import type { RunnableTool } from '../src/index.ts';
import { TOOL_NAMES, type ToolName } from './tools.ts';

export interface RequestSettings {
  /** Enabled tools in the trained order. */
  readonly tools: RunnableTool[];
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly enableThinking: boolean;
  readonly ignoreEos: boolean;
}

const TOOL_LABELS: Record<ToolName, string> = {
  get_weather: 'get_weather(city) — fake weather',
  get_time: 'get_time(city) — local time',
  calculate: 'calculate(expression)',
  set_theme: 'set_theme(light | dark)',
};

function numberOrUndefined(input: HTMLInputElement): number | undefined {
  const value = input.value.trim();
  if (value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

export class SettingsPanel {
  private readonly toggles = new Map<ToolName, HTMLInputElement>();

  constructor(
    toolList: HTMLElement,
    private readonly tools: Record<ToolName, RunnableTool>,
    private readonly temperature: HTMLInputElement,
    private readonly maxTokens: HTMLInputElement,
    private readonly thinking: HTMLInputElement,
    private readonly ignoreEos: HTMLInputElement,
  ) {
    for (const name of TOOL_NAMES) {
      const label = document.createElement('label');
      label.className = 'tool-toggle';
      const checkbox = document.createElement('input');
      checkbox.type = 'checkbox';
      checkbox.checked = true;
      checkbox.name = name;
      checkbox.dataset['tool'] = name;
      const text = document.createElement('code');
      text.textContent = TOOL_LABELS[name];
      label.append(checkbox, text);
      toolList.append(label);
      this.toggles.set(name, checkbox);
    }
  }

  /** Shows the thinking switch only where it does something: 'qwen3' toggles, 'deepseek_r1' always thinks. */
  fitModel(reasoningParser: 'qwen3' | 'deepseek_r1' | undefined): void {
    const row = this.thinking.closest('label')!;
    row.hidden = reasoningParser === undefined;
    this.thinking.disabled = reasoningParser === 'deepseek_r1';
    if (reasoningParser === 'deepseek_r1') this.thinking.checked = true;
    row.title = reasoningParser === 'deepseek_r1' ? 'This model always thinks before it answers' : 'Let the model think before it answers (enable_thinking)';
  }

  current(): RequestSettings {
    const maxTokens = numberOrUndefined(this.maxTokens);
    return {
      tools: TOOL_NAMES.filter((name) => this.toggles.get(name)?.checked === true).map((name) => this.tools[name]),
      temperature: numberOrUndefined(this.temperature),
      maxTokens: maxTokens === undefined ? undefined : Math.max(1, Math.floor(maxTokens)),
      enableThinking: this.thinking.checked,
      ignoreEos: this.ignoreEos.checked,
    };
  }
}
