/**
 * `bun run certs`: a development PKI made with openssl. Writes into ./certs (gitignored):
 *   ca.crt / ca.key            the CA that signs everything below (10 years)
 *   server.crt / server.key    for Mosquitto's 8883 listener and the HTTPS API; SANs localhost,
 *                              127.0.0.1, ::1 and every --host given
 *   <id>.crt / <id>.key        a client certificate per --client (CN = device id) for mTLS
 * Options: --out <dir>, --host <name or IP> (repeatable), --client <device id> (repeatable,
 * default dev-1), --force (overwrite an existing CA). Production uses certificates from a real CA.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

type Options = { out: string; hosts: string[]; clients: string[]; force: boolean };

function parseArgs(argv: string[]): Options {
  const options: Options = { out: resolve('certs'), hosts: [], clients: [], force: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--force') options.force = true;
    else if ((arg === '--out' || arg === '--host' || arg === '--client') && value !== undefined) {
      if (arg === '--out') options.out = resolve(value);
      if (arg === '--host') options.hosts.push(value);
      if (arg === '--client') {
        if (!/^[A-Za-z0-9._:-]{1,64}$/.test(value)) fail(`--client '${value}': not a device id`);
        options.clients.push(value);
      }
      i++;
    } else fail(`unknown or incomplete option '${arg}'`);
  }
  if (options.clients.length === 0) options.clients.push('dev-1');
  return options;
}

function fail(message: string): never {
  console.error(`certs: ${message}`);
  console.error('usage: bun run certs [--out dir] [--host name]... [--client id]... [--force]');
  process.exit(2);
}

function openssl(args: string[]): void {
  const result = Bun.spawnSync(['openssl', ...args], { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString().trim()}`);
  }
}

/** Makes a key and a certificate signed by the CA in `dir`, with the given extensions. */
function issue(dir: string, name: string, subject: string, extensions: string): void {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  try {
    openssl([
      'ecparam',
      '-name',
      'prime256v1',
      '-genkey',
      '-noout',
      '-out',
      join(dir, `${name}.key`),
    ]);
    openssl([
      'req',
      '-new',
      '-key',
      join(dir, `${name}.key`),
      '-subj',
      subject,
      '-out',
      join(dir, `${name}.csr`),
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      join(dir, `${name}.csr`),
      '-CA',
      join(dir, 'ca.crt'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '825',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      join(dir, `${name}.crt`),
    ]);
  } finally {
    rmSync(ext, { force: true });
    rmSync(join(dir, `${name}.csr`), { force: true });
  }
}

const options = parseArgs(process.argv.slice(2));
if (Bun.which('openssl') === null) fail('openssl not found: apt-get install -y openssl');
mkdirSync(options.out, { recursive: true });
const dir = options.out;

if (!existsSync(join(dir, 'ca.crt')) || options.force) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key')]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    join(dir, 'ca.key'),
    '-sha256',
    '-days',
    '3650',
    '-subj',
    '/CN=Vigil development CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    join(dir, 'ca.crt'),
  ]);
  // Whoever holds the CA key can mint device identities.
  chmodSync(join(dir, 'ca.key'), 0o600);
}

const sans = ['localhost', '127.0.0.1', '::1', ...options.hosts].map((host) =>
  isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`,
);
issue(
  dir,
  'server',
  '/CN=localhost',
  `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`,
);
for (const client of options.clients) {
  issue(
    dir,
    client,
    `/CN=${client}`,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
}
console.log(
  `certificates in ${dir}: ca, server (${sans.join(' ')}), clients ${options.clients.join(', ')}`,
);
