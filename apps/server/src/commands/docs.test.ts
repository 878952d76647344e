import { expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { COMMAND_DEFINITIONS, COMMAND_NAMES, MODEL_COMMANDS } from './catalogue';

const page = await Bun.file(resolve(import.meta.dir, '../../../../docs/commands.md')).text();

/** The cells of every table row on the page, trimmed (the formatter pads them). */
const rows = page
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

test('docs/commands.md lists every command with its label and bounds', () => {
  for (const name of COMMAND_NAMES) {
    const row = rows.find((cells) => cells[0] === `\`${name}\``);
    expect(row, name).toBeDefined();
    const definition = COMMAND_DEFINITIONS[name];
    expect(row?.[1]).toBe(definition.label);
    const properties = definition.params.properties as Record<
      string,
      { minimum?: number; maximum?: number }
    >;
    for (const [key, schema] of Object.entries(properties)) {
      expect(row?.[2]).toContain(`\`${key}\``);
      if (schema.minimum !== undefined) {
        expect(row?.[2]).toContain(`${schema.minimum} to ${schema.maximum}`);
      }
    }
  }
});

test('docs/commands.md lists every model with its commands', () => {
  for (const [model, names] of Object.entries(MODEL_COMMANDS)) {
    expect(rows).toContainEqual([`\`${model}\``, names.join(', ')]);
  }
});
