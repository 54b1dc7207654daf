import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { createAdmin } from '../bootstrap.ts';
import { ConfigError, EXIT_CONFIG, loadConfig } from '../config/index.ts';
import { createContainer } from '../container.ts';
import { DataDirLockedError } from '../infra/database/embedded/lock.ts';
import { logDestination } from '../log-format.ts';
import { createLogger } from '../logger.ts';

/**
 * Operator commands, each reading the same configuration as the service:
 *   migrate                       apply pending migrations and exit
 *   create-admin EMAIL [PASSWORD | --password-stdin]
 *                                 create an admin; without a password a new account gets a
 *                                 generated one, printed once. An existing account needs an
 *                                 explicit password: it is set, the account becomes an admin
 *                                 and all its sessions end. The password comes from stdin
 *                                 (--password-stdin), ADMIN_PASSWORD, or the argument (which
 *                                 npm echoes in its banner: prefer the other two)
 *   openapi [FILE]                write the API reference (default ./openapi.json)
 *   doctor [--json]               check the configuration and probe each dependency
 *                                 within a bound; exit 1 when something is down
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (existsSync('.env')) process.loadEnvFile('.env');
  const usage = 'usage: cli migrate | create-admin EMAIL [PASSWORD | --password-stdin] | openapi [FILE] | doctor [--json]';
  if (!command) {
    process.stderr.write(`${usage}\n`);
    return 64;
  }
  // Before loading the configuration: a bad one is what doctor reports, not a reason to stop.
  if (command === 'doctor') return (await import('./doctor.ts')).doctor(process.env, args);
  const config = loadConfig(command === 'openapi' ? { ...process.env, LOG_LEVEL: 'silent' } : process.env);
  const logger = createLogger(config.logLevel, logDestination(config));
  switch (command) {
    case 'migrate': {
      // The container migrates as it starts; nothing else is needed.
      const c = await createContainer(config, logger, { print: () => undefined, startMailSender: false });
      await c.close();
      process.stdout.write('migrations applied\n');
      return 0;
    }
    case 'create-admin': {
      const fromStdin = args.includes('--password-stdin');
      const [email, positional] = args.filter((a) => a !== '--password-stdin');
      const password = fromStdin ? await firstLine() : (positional ?? (process.env.ADMIN_PASSWORD || undefined));
      if (!email || (password !== undefined && (password.length < 8 || password.length > 128))) {
        process.stderr.write(
          'usage: cli create-admin EMAIL [PASSWORD | --password-stdin] (or ADMIN_PASSWORD in the environment); a password has at least 8 characters, at most 128\n',
        );
        return 64;
      }
      // No bootstrap here: this command is how an operator settles a refused one.
      const c = await createContainer(config, logger, { print: () => undefined, bootstrapAdmin: false, startMailSender: false });
      try {
        const r = await createAdmin(c.users, email, password);
        switch (r.outcome) {
          case 'created':
            process.stdout.write(`admin created: ${r.email}\n`);
            if (r.generatedPassword)
              process.stdout.write(`  password: ${r.generatedPassword}\n  (shown once; it is not stored anywhere in clear)\n`);
            return 0;
          case 'reset':
            process.stdout.write(
              `${r.email} already had an account: password set, it is now an admin, and all its sessions ended (${r.sessionsEnded} live; every access and refresh token it had stops working)\n`,
            );
            return 0;
          case 'needs_password':
            process.stderr.write(
              `${r.email} already has an account; nothing changed. To take it over as an admin, give its new password explicitly ` +
                `(--password-stdin, ADMIN_PASSWORD or a second argument): create-admin then sets it and ends all of the account's sessions.\n`,
            );
            return 65;
        }
        return 1;
      } finally {
        await c.close();
      }
    }
    case 'openapi': {
      const file = path.resolve(args[0] ?? 'openapi.json');
      const { generateOpenApi } = await import('../openapi.ts');
      writeFileSync(file, `${JSON.stringify(await generateOpenApi(), null, 2)}\n`);
      process.stdout.write(`wrote ${file}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n${usage}\n`);
      return 64;
  }
}

/** EX_TEMPFAIL: the command may work when retried later (the database is busy). */
const EXIT_TEMPFAIL = 75;

/** The first line of stdin (a pipe or the terminal), without its line ending. */
async function firstLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  // No timer: this waits for the operator, or for the pipe to close (end of input is an empty password).
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DataDirLockedError) {
      // The usual case: `npm start` or `npm run dev` is running on the same DATA_DIR. One
      // line saying so, not a stack; EX_TEMPFAIL, since it works once that process stops.
      process.stderr.write(
        `${process.argv[2] ?? 'cli'}: the embedded database in ${err.dataDir} is in use by process ${err.holderPid} (a running service?); stop it and run this again, or set DATABASE_URL to a PostgreSQL it shares\n`,
      );
      process.exit(EXIT_TEMPFAIL);
    }
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
  },
);
