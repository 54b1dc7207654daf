import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, EXIT_CONFIG, loadConfig } from '../config/index.ts';
import { hashPassword } from '../auth/passwords.ts';
import { normalizeEmail } from '../auth/service.ts';
import { createContainer } from '../container.ts';
import { createLogger } from '../logger.ts';

/**
 * Operator commands, each reading the same configuration as the service:
 *   migrate                       apply pending migrations and exit
 *   create-admin EMAIL [PASSWORD] create (or promote) an admin; prompts nothing, reads
 *                                 ADMIN_PASSWORD from the environment when no PASSWORD
 *   openapi [FILE]                write the API reference (default ./openapi.json)
 *   doctor [--json]               check the configuration and probe each dependency
 *                                 within a bound; exit 1 when something is down
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (existsSync('.env')) process.loadEnvFile('.env');
  const usage = 'usage: cli migrate | create-admin EMAIL [PASSWORD] | openapi [FILE] | doctor [--json]';
  if (!command) {
    process.stderr.write(`${usage}\n`);
    return 64;
  }
  // Before loading the configuration: a bad one is what doctor reports, not a reason to stop.
  if (command === 'doctor') return (await import('./doctor.ts')).doctor(process.env, args);
  const config = loadConfig(command === 'openapi' ? { ...process.env, LOG_LEVEL: 'silent' } : process.env);
  const logger = createLogger(config.logLevel);
  switch (command) {
    case 'migrate': {
      // The container migrates as it starts; nothing else is needed.
      const c = await createContainer(config, logger, { print: () => undefined });
      await c.close();
      process.stdout.write('migrations applied\n');
      return 0;
    }
    case 'create-admin': {
      const email = args[0];
      const password = args[1] ?? process.env.ADMIN_PASSWORD;
      if (!email || !password || password.length < 8) {
        process.stderr.write('usage: cli create-admin EMAIL [PASSWORD] (or ADMIN_PASSWORD in the environment; at least 8 characters)\n');
        return 64;
      }
      const c = await createContainer(config, logger, { print: () => undefined });
      try {
        const existing = await c.users.findByEmail(normalizeEmail(email));
        if (existing) {
          await c.users.update(existing.id, { role: 'admin', isActive: true });
          process.stdout.write(`${normalizeEmail(email)} is now an admin\n`);
        } else {
          const created = await c.users.create({ email: normalizeEmail(email), firstName: 'Admin', lastName: 'User', passwordHash: await hashPassword(password), role: 'admin' });
          process.stdout.write(`admin ${created === 'email_taken' ? 'already exists' : 'created'}: ${normalizeEmail(email)}\n`);
        }
      } finally {
        await c.close();
      }
      return 0;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
  },
);
