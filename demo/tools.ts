/**
 * The page's four tools, as `runTools` takes them: a chat tool definition plus the function that
 * runs it. Names, descriptions and parameter schemas are the ones the tiny demo model was trained
 * on (tools/train/tool_specs.py), in the same order; results have the shapes it saw.
 *
 * Every tool is `strict` (OpenAI's strict function calling): once the model opens a call, the
 * engine holds it to a declared tool and a schema-valid argument object, so a call always parses.
 * The city parameters add one thing to the trained schema: a pattern without sentence punctuation,
 * quotes or angle brackets. The model learnt to copy invented names; a real one it often ends
 * with the message's "." or "?" and then wanders on, and under the pattern it closes the string.
 *
 *   get_weather {city}       → {"city","temperature_c","condition"}  (fake, fixed per city)
 *   get_time {city}          → {"city","time"}                       (the real local time)
 *   calculate {expression}   → {"result"}                            (calculator.ts, no eval)
 *   set_theme {theme}        → {"theme"}                             (switches this page)
 */
import type { RunnableTool } from '../src/index.ts';
import { evaluateArithmetic, roundResult } from './calculator.ts';
import { cityTime } from './city-clock.ts';
import { hashName } from './name-hash.ts';
import type { Theme } from './theme.ts';

export type ToolName = 'get_weather' | 'get_time' | 'calculate' | 'set_theme';

export const TOOL_NAMES: readonly ToolName[] = ['get_weather', 'get_time', 'calculate', 'set_theme'];

/** Conditions the demo model was trained on. */
const CONDITIONS = [
  'sunny', 'cloudy', 'rainy', 'windy', 'snowy', 'foggy', 'clear', 'stormy', 'partly cloudy', 'overcast',
  'light rain', 'heavy rain', 'drizzle', 'hazy', 'humid', 'showers', 'thunderstorms', 'mostly sunny', 'freezing', 'mild',
];

export interface WeatherReport {
  readonly city: string;
  readonly temperature_c: number;
  readonly condition: string;
}

/** Fake but deterministic weather: −15 … 40 °C and a condition, both from a hash of the city's name. */
export function fakeWeather(city: string): WeatherReport {
  const hash = hashName(city);
  return { city, temperature_c: (hash % 56) - 15, condition: CONDITIONS[(hash >>> 8) % CONDITIONS.length]! };
}

/** A city name: any letters, spaces, hyphens, apostrophes or digits, never sentence punctuation. */
export const CITY_PATTERN = '^[^.?!<>"]+$';

function cityParameter(example: string): Record<string, unknown> {
  return {
    type: 'object',
    properties: { city: { type: 'string', description: `The city name, e.g. ${example}`, pattern: CITY_PATTERN } },
    required: ['city'],
  };
}

/** All four tools, in the trained order; `setTheme` is what set_theme does to the page. */
export function createTools(setTheme: (theme: Theme) => void): Record<ToolName, RunnableTool> {
  return {
    get_weather: {
      type: 'function',
      function: { name: 'get_weather', description: 'Get the current weather in a city.', parameters: cityParameter('Paris'), strict: true },
      run: ({ city }: { city: string }) => fakeWeather(city.trim()),
    },
    get_time: {
      type: 'function',
      function: { name: 'get_time', description: 'Get the current local time in a city.', parameters: cityParameter('Tokyo'), strict: true },
      run: ({ city }: { city: string }) => cityTime(city.trim()),
    },
    calculate: {
      type: 'function',
      function: {
        name: 'calculate',
        description: 'Evaluate an arithmetic expression.',
        strict: true,
        parameters: {
          type: 'object',
          properties: { expression: { type: 'string', description: 'The expression, e.g. 12 * 7' } },
          required: ['expression'],
        },
      },
      run: ({ expression }: { expression: string }) => ({ result: roundResult(evaluateArithmetic(expression)) }),
    },
    set_theme: {
      type: 'function',
      function: {
        name: 'set_theme',
        description: 'Switch the page between light and dark mode.',
        strict: true,
        parameters: {
          type: 'object',
          properties: { theme: { type: 'string', enum: ['light', 'dark'] } },
          required: ['theme'],
        },
      },
      run: ({ theme }: { theme: Theme }) => {
        setTheme(theme);
        return { theme };
      },
    },
  };
}
