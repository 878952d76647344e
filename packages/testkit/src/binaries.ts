import { existsSync } from 'node:fs';

/** Thrown when a real service's binaries are not installed; its message is one line naming the packages. */
export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
}

const POSTGRES_BIN_DIRS = [
  '/usr/lib/postgresql/17/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
];

/** Directory holding initdb/postgres, or a MissingBinaryError naming the Debian package. */
export function postgresBinDir(): string {
  const dir = POSTGRES_BIN_DIRS.find(
    (d) => existsSync(`${d}/initdb`) && existsSync(`${d}/postgres`),
  );
  if (dir === undefined) {
    throw new MissingBinaryError(
      'PostgreSQL server binaries not found: install them with `apt-get install -y postgresql`',
    );
  }
  return dir;
}

/** Path of a binary on PATH, or a MissingBinaryError naming the Debian package to install. */
export function requireBinary(name: string, debianPackage: string): string {
  const path = Bun.which(name);
  if (path === null) {
    throw new MissingBinaryError(
      `${name} not found: install it with \`apt-get install -y ${debianPackage}\``,
    );
  }
  return path;
}
