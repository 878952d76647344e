/**
 * The command catalogue: what each device model can be told to do, with the parameters of each
 * command as TypeBox schemas. One source serves three readers: the server validates against it
 * before anything is stored or published, `commands.catalogue` hands it to the dashboard as JSON
 * Schema (it renders the forms from it), and docs/commands.md lists it (a test keeps them in step).
 */
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InvalidInputError } from '../errors';

const OnOff = Type.Object(
  { on: Type.Boolean({ title: 'On', description: 'true switches it on, false off' }) },
  { additionalProperties: false },
);

/** Every command of protocol v1 that a device may implement. */
export const COMMAND_DEFINITIONS = {
  defense: {
    label: 'Activate defense',
    description:
      'Defense mode: the device reports `defense: true` and reports four times as often ' +
      '(never faster than every 200 ms) until switched off.',
    params: OnOff,
  },
  set_led: {
    label: 'LED',
    description: 'Switches the status LED on or off; reported as the `led` metric.',
    params: OnOff,
  },
  set_servo: {
    label: 'Servo angle',
    description: 'Moves the servo to an angle in degrees; reported as `servo_angle`.',
    params: Type.Object(
      { angle: Type.Integer({ title: 'Angle (degrees)', minimum: 0, maximum: 180 }) },
      { additionalProperties: false },
    ),
  },
  set_interval: {
    label: 'Reporting interval',
    description: 'Sets how often the device reports telemetry.',
    params: Type.Object(
      { ms: Type.Integer({ title: 'Interval (ms)', minimum: 200, maximum: 3_600_000 }) },
      { additionalProperties: false },
    ),
  },
  reboot: {
    label: 'Reboot',
    description: 'Restarts the device: it comes back with a new boot id and seq 0.',
    params: Type.Object({}, { additionalProperties: false }),
  },
} as const satisfies Record<string, { label: string; description: string; params: TObject }>;

export type CommandName = keyof typeof COMMAND_DEFINITIONS;
export type CommandParams<N extends CommandName> = Static<
  (typeof COMMAND_DEFINITIONS)[N]['params']
>;
export const COMMAND_NAMES = Object.keys(COMMAND_DEFINITIONS) as CommandName[];

/**
 * Commands per device model. A model not listed here (including 'generic', what an
 * auto-registered device gets) is offered the whole catalogue: the device refuses what it lacks.
 */
export const MODEL_COMMANDS: Record<string, readonly CommandName[]> = {
  'vigil-esp32': ['defense', 'set_led', 'set_servo', 'set_interval', 'reboot'],
  'vigil-sim-sensor': ['defense', 'set_led', 'set_servo', 'set_interval', 'reboot'],
  'vigil-sim-drone': ['defense', 'set_interval', 'reboot'],
};

/** One form field of a command, derived from its parameter schema. */
export type CommandField =
  | { name: string; label: string; type: 'boolean' }
  | { name: string; label: string; type: 'integer'; min: number; max: number };

/** One entry of a model's catalogue, as the dashboard receives it. */
export type CatalogueEntry = {
  name: CommandName;
  label: string;
  description: string;
  /** JSON Schema (draft 7 subset: object, boolean, integer with minimum/maximum, title). */
  params: TObject;
  /** The same parameters as a flat list of form fields, in order. */
  fields: CommandField[];
};

/** The commands a model accepts, in display order. */
export function catalogueFor(model: string): CatalogueEntry[] {
  const names = MODEL_COMMANDS[model] ?? COMMAND_NAMES;
  return names.map((name) => {
    const definition = COMMAND_DEFINITIONS[name];
    return { name, ...definition, fields: fieldsOf(definition.params) };
  });
}

type FieldSchema = { type?: string; title?: string; minimum?: number; maximum?: number };

/** Form fields of a parameter schema; every catalogue parameter is a boolean or a bounded integer. */
function fieldsOf(params: TObject): CommandField[] {
  return Object.entries(params.properties as Record<string, FieldSchema>).map(([name, schema]) => {
    const label = schema.title ?? name;
    if (schema.type === 'boolean') return { name, label, type: 'boolean' };
    if (schema.type === 'integer' && schema.minimum !== undefined && schema.maximum !== undefined) {
      return { name, label, type: 'integer', min: schema.minimum, max: schema.maximum };
    }
    throw new Error(`parameter '${name}' has no form field type`);
  });
}

const checkers = Object.fromEntries(
  COMMAND_NAMES.map((name) => [name, TypeCompiler.Compile(COMMAND_DEFINITIONS[name].params)]),
) as Record<CommandName, ReturnType<typeof TypeCompiler.Compile<TObject>>>;

/**
 * Checks `name` and `params` against the model's catalogue; returns the params unchanged or
 * throws InvalidInputError naming the first offending field ("params.angle: ...").
 */
export function validateCommand(
  model: string,
  name: string,
  params: unknown,
): Record<string, unknown> {
  const allowed = MODEL_COMMANDS[model] ?? COMMAND_NAMES;
  if (!(allowed as readonly string[]).includes(name)) {
    throw new InvalidInputError(
      `unknown command '${name}' for model '${model}' (known: ${allowed.join(', ')})`,
    );
  }
  const check = checkers[name as CommandName];
  if (!check.Check(params)) {
    const first = check.Errors(params).First();
    const field = first?.path ? `params${first.path.replaceAll('/', '.')}` : 'params';
    throw new InvalidInputError(`${name}: ${field}: ${first?.message ?? 'invalid'}`);
  }
  return params as Record<string, unknown>;
}
