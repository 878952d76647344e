import { expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { COMMAND_DEFINITIONS, COMMAND_NAMES, MODEL_COMMANDS } from './catalogue';

const page = await Bun.file(resolve(import.meta.dir, '../../../../docs/commands.md')).text();

test('docs/commands.md lists every command with its label and bounds', () => {
  for (const name of COMMAND_NAMES) {
    const row = page.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, name).toBeDefined();
    const definition = COMMAND_DEFINITIONS[name];
    expect(row).toContain(definition.label);
    for (const [key, schema] of Object.entries(definition.params.properties) as [
      string,
      { minimum?: number; maximum?: number },
    ][]) {
      expect(row).toContain(`\`${key}\``);
      if (schema.minimum !== undefined)
        expect(row).toContain(`${schema.minimum} to ${schema.maximum}`);
    }
  }
});

test('docs/commands.md lists every model with its commands', () => {
  for (const [model, names] of Object.entries(MODEL_COMMANDS)) {
    expect(page).toContain(`| \`${model}\` | ${names.join(', ')} |`);
  }
});
